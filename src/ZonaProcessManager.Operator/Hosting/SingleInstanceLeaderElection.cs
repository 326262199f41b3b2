using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// The default <see cref="ILeaderElection"/>: one operator per database, so it leads at once and never loses. A host
/// running several instances registers an election over a shared lease instead.
/// </summary>
public sealed class SingleInstanceLeaderElection : ILeaderElection
{
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}";
    private long _generation;

    public Task<LeadershipTerm> AcquireAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<LeadershipTerm>(cancellationToken)
            : Task.FromResult(new LeadershipTerm(_holder, Interlocked.Increment(ref _generation), CancellationToken.None));

    public bool IsConfirmed(LeadershipTerm term) => true;

    public Task ReleaseAsync(LeadershipTerm term, CancellationToken cancellationToken) => Task.CompletedTask;
}
