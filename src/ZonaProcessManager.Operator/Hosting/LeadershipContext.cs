using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>The <see cref="ILeadershipContext"/> that <see cref="LeaderGate"/> keeps: set when a term starts, cleared when it ends.</summary>
public sealed class LeadershipContext(ILeaderElection election) : ILeadershipContext
{
    // Written by the gate's one loop, read by any reconcile: a reference swap, so no lock.
    private volatile LeadershipTerm? _current;

    public LeadershipTerm? Current => _current;

    public bool IsConfirmed => _current is { } term && !term.Lost.IsCancellationRequested && election.IsConfirmed(term);

    internal void Begin(LeadershipTerm term) => _current = term;

    internal void End() => _current = null;
}
