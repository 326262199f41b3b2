namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Whether the operator's loops run, at one instant; <see cref="IsAlive"/> is what a liveness probe answers.
/// </summary>
/// <param name="GateRunning">The leader gate (which waits for leadership and runs the loops) has started and not ended.</param>
/// <param name="GateFailure">Why the gate ended, when it ended on an error.</param>
/// <param name="Leading">This instance holds a leadership term and runs the leader-only loops.</param>
/// <param name="Generation">The current term's generation while leading.</param>
/// <param name="Loops">The leader-only loops of the current term (none while standing by).</param>
public sealed record OperatorLivenessSnapshot(bool GateRunning, string? GateFailure, bool Leading, long? Generation, IReadOnlyList<LoopLiveness> Loops)
{
    /// <summary>The gate runs and, while leading, every loop of the term runs: a standby waiting for the lease is alive.</summary>
    public bool IsAlive => GateRunning && Loops.All(loop => loop.Running);
}
