namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// What <see cref="LeaderGate"/> reports about the loops it runs: whether it runs at all, whether this instance leads,
/// and whether each leader-only loop of the term still runs. The loops retry their own failures, so one that ended
/// during its term is a bug the host cannot recover from by itself; meant for a liveness endpoint.
/// </summary>
public sealed class OperatorLiveness
{
    private readonly Lock _gate = new();
    private bool _gateRunning;
    private string? _gateFailure;
    private long? _generation;
    private readonly Dictionary<string, LoopLiveness> _loops = new(StringComparer.Ordinal);

    public OperatorLivenessSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new OperatorLivenessSnapshot(_gateRunning, _gateFailure, _generation is not null, _generation, [.. _loops.Values]);
        }
    }

    public bool IsAlive => Snapshot().IsAlive;

    internal void GateStarted()
    {
        lock (_gate)
        {
            _gateRunning = true;
            _gateFailure = null;
        }
    }

    internal void GateEnded(string? failure)
    {
        lock (_gate)
        {
            _gateRunning = false;
            _gateFailure = failure;
            _generation = null;
            _loops.Clear();
        }
    }

    internal void TermBegan(long generation, IEnumerable<string> loops)
    {
        lock (_gate)
        {
            _generation = generation;
            _loops.Clear();
            foreach (var loop in loops)
            {
                _loops[loop] = new LoopLiveness(loop, true, null);
            }
        }
    }

    internal void LoopEnded(string loop, string failure)
    {
        lock (_gate)
        {
            if (_loops.ContainsKey(loop))
            {
                _loops[loop] = new LoopLiveness(loop, false, failure);
            }
        }
    }

    internal void TermEnded()
    {
        lock (_gate)
        {
            _generation = null;
            _loops.Clear();
        }
    }
}
