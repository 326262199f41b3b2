namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// Decides which operator instance leads: only the leader watches the store and the runtime, resyncs and reconciles;
/// every other instance waits in <see cref="AcquireAsync"/> as a standby. The operator's default leads at once and
/// never loses (one instance); a lease in the store lets several instances share one database.
/// </summary>
public interface ILeaderElection
{
    /// <summary>
    /// Completes when this instance leads, with the term it leads for. Errors reaching the store are the
    /// implementation's to retry while it waits; otherwise only <paramref name="cancellationToken"/> (shutdown) ends
    /// the wait. Called again after every term has ended.
    /// </summary>
    Task<LeadershipTerm> AcquireAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Ends <paramref name="term"/> once the work it allowed has stopped. At shutdown it gives the leadership up so a
    /// standby can take over without waiting for it to expire; after a loss there is nothing left to give up and it
    /// only stops what the term still runs (a renewal). Best effort: the leadership of an instance that never calls it
    /// lapses on its own.
    /// </summary>
    Task ReleaseAsync(LeadershipTerm term, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the store confirmed <paramref name="term"/> less than the renew deadline ago, so an action on the runtime
    /// may be taken under it now. A term that cannot be lost is always confirmed until it ends.
    /// </summary>
    bool IsConfirmed(LeadershipTerm term);
}
