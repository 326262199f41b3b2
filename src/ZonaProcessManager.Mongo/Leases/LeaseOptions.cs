using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Mongo.Leases;

/// <summary>Settings of one <see cref="MongoLeaderElection"/>; the defaults are client-go's leader election's.</summary>
public sealed record LeaseOptions
{
    /// <summary>
    /// The lease document's _id: the operator's scope (<see cref="ResumeTokenStore.ScopeOf"/>), so operators managing
    /// different tenants of one database elect separately. Default "all".
    /// </summary>
    public string LeaseName { get; init; } = ResumeTokenStore.AllTenantsScope;

    /// <summary>How long a lease lasts after its last renewal, by the store's clock. Default 15 seconds.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long the leader keeps leading without a successful renewal; then its term is lost, before the lease can
    /// expire for anyone else. Default 10 seconds.
    /// </summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the leader renews and a standby looks at the lease when no change wakes it. Default 2 seconds.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether this instance may lead, and whether it goes first. Default <see cref="LeaderRole.Auto"/>.</summary>
    public LeaderRole Role { get; init; } = LeaderRole.Auto;

    /// <summary>
    /// How long after a lease expired or was released an automatic instance still leaves it to an active one. Default
    /// 500 ms: short enough that a graceful hand-over between automatic instances stays well under 2 seconds.
    /// </summary>
    public TimeSpan ActivePreference { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The operator version recorded with the holder and the instance. Default this assembly's version.</summary>
    public string Version { get; init; } = OperatorIdentity.AssemblyVersion;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public LeaseOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(LeaseName))
        {
            throw new ArgumentException("The lease name must not be empty.", nameof(LeaseName));
        }

        if (RetryPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The retry period must be positive, got {RetryPeriod}.", nameof(RetryPeriod));
        }

        if (RenewDeadline <= RetryPeriod)
        {
            throw new ArgumentException($"The renew deadline ({RenewDeadline}) must be longer than the retry period ({RetryPeriod}).", nameof(RenewDeadline));
        }

        if (LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException($"The lease duration ({LeaseDuration}) must be longer than the renew deadline ({RenewDeadline}).", nameof(LeaseDuration));
        }

        if (ActivePreference < TimeSpan.Zero)
        {
            throw new ArgumentException("The active preference must not be negative.", nameof(ActivePreference));
        }

        return this;
    }
}
