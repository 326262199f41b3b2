using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>The result of planning one resource: ordered actions, the outcome, and when to look again.</summary>
public sealed record ReconcilePlan(IReadOnlyList<ReconcileAction> Actions, PlanOutcome Outcome, ReplicaCounts Replicas, TimeSpan? RequeueAfter)
{
    public bool HasActions => Actions.Count > 0;
}
