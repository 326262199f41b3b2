namespace ZonaProcessManager.Domain.Model;

/// <summary>The last change a self-rolling runtime (Swarm) made to a workload, in its own words.</summary>
/// <param name="Message">The runtime's message about it (e.g. why a rollout was rolled back).</param>
/// <param name="RolledBackFromSpecHash">
/// While rolling back or rolled back: the spec hash of the spec that failed and was taken away, so that the same spec is
/// not pushed again (it would fail again) until the document changes.
/// </param>
/// <param name="ChangedAt">When the workload's definition last changed (created, updated, scaled, rolled).</param>
public sealed record WorkloadRollout(RolloutState State, string? Message = null, string? RolledBackFromSpecHash = null, DateTimeOffset? ChangedAt = null)
{
    public bool IsRollback => State is RolloutState.RollingBack or RolloutState.RollbackPaused or RolloutState.RolledBack;
}
