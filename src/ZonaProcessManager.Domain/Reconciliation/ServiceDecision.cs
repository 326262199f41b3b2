using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Domain.Reconciliation;

/// <summary>
/// Where one reconcile of a service leads: the plan for its workload, the lifecycle transitions, the next status and
/// the result (requeue, or failure for backoff). Both the reconcile itself and the resync's "would a reconcile change
/// anything" read it, so the two cannot drift apart.
/// </summary>
/// <param name="Plan">The workload runtime's plan for what was observed.</param>
/// <param name="Transitions">Transitions worth an event, in the order they were fired.</param>
/// <param name="Refused">Triggers the lifecycle table refused in their phase (the phase stayed).</param>
/// <param name="Status">The status to show.</param>
/// <param name="Result">What the queue is told: success (with requeueAfter) or failure (backoff).</param>
public sealed record ServiceDecision(
    ReconcilePlan Plan,
    IReadOnlyList<Transition> Transitions,
    IReadOnlyList<RefusedTrigger> Refused,
    ServiceStatus Status,
    ReconciliationResult Result)
{
    /// <summary>The spec cannot run: the reconcile reports it (<see cref="ServiceConvergence.Invalid"/>) and runs nothing.</summary>
    public bool IsInvalid => Plan.Outcome.Kind == OutcomeKind.Invalid;

    public TimeSpan? RequeueAfter => Result.RequeueAfter;
}
