namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// The term this instance leads now, for what must be fenced by it: writes to the store carry its generation, and an
/// action on the runtime is taken only while <see cref="IsConfirmed"/>.
/// </summary>
public interface ILeadershipContext
{
    /// <summary>The term being led, or null while this instance is a standby.</summary>
    LeadershipTerm? Current { get; }

    /// <summary>
    /// True while this instance leads and the store confirmed the lease less than the renew deadline ago
    /// (<see cref="ILeaderElection.IsConfirmed"/>).
    /// </summary>
    bool IsConfirmed { get; }
}
