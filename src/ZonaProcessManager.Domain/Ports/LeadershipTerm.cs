namespace ZonaProcessManager.Domain.Ports;

/// <summary>One uninterrupted period during which this instance leads (<see cref="ILeaderElection"/>).</summary>
/// <param name="Holder">This instance's identity, as the election records the leader.</param>
/// <param name="Generation">
/// Greater than every earlier term's, whichever instance held it: a fencing token that lets the store refuse a write
/// from a leader that has been replaced since.
/// </param>
/// <param name="Lost">
/// Fires when the leadership is lost (not renewed in time, taken over). The implementation fires it early enough for
/// the leader-only work to stop before another instance can lead; a term that cannot be lost passes
/// <see cref="CancellationToken.None"/>.
/// </param>
public sealed record LeadershipTerm(string Holder, long Generation, CancellationToken Lost);
