namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Work only the leader does: the store watch, the runtime events, the resync and the queue workers. Registered as
/// singletons of this interface; <see cref="LeaderGate"/> runs every one of them for as long as a leadership term lasts.
/// </summary>
public interface ILeaderOnlyLoop
{
    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> fires (the term ended or the host stops), then returns once its
    /// own work has stopped. It retries its own failures, so it never ends before that. Called again for every new term.
    /// </summary>
    Task RunAsync(CancellationToken cancellationToken);
}
