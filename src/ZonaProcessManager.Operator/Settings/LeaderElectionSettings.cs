using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Settings;

/// <summary>
/// How instances sharing one database elect the one that reconciles (`zpm run --lease-duration --renew-deadline
/// --retry-period --role --exit-on-lost-lease`). The durations default to client-go's leader election's and must keep
/// retry period &lt; renew deadline &lt; lease duration, so a leader gives its term up before its lease can expire.
/// </summary>
public sealed record LeaderElectionSettings
{
    public static LeaderElectionSettings Default { get; } = new();

    /// <summary>How long a lease lasts after its last renewal, by the store's clock. Default 15 seconds.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader goes on without a successful renewal before it stops leading. Default 10 seconds.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the leader renews and a standby looks at the lease when no change wakes it. Default 2 seconds.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>auto (plain election), active (takes a free lease first) or passive (never leads). Default auto.</summary>
    public LeaderRole Role { get; init; } = LeaderRole.Auto;

    /// <summary>When true an instance that loses the lease exits (with a log line saying so) instead of standing by. Default false.</summary>
    public bool ExitOnLostLease { get; init; }

    /// <summary>The first problem with these settings, or null when they can work.</summary>
    public string? Problem() =>
        RetryPeriod <= TimeSpan.Zero ? $"retry period must be positive, got {RetryPeriod}"
        : RenewDeadline <= RetryPeriod ? $"renew deadline ({RenewDeadline}) must be longer than the retry period ({RetryPeriod})"
        : LeaseDuration <= RenewDeadline ? $"lease duration ({LeaseDuration}) must be longer than the renew deadline ({RenewDeadline})"
        : !Enum.IsDefined(Role) ? $"role {Role} is not auto, active or passive"
        : null;
}
