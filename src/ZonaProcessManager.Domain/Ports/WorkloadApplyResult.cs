using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>What applying a plan did.</summary>
/// <param name="Observed">What runs afterwards: the status shows this, not what the plan hoped for.</param>
/// <param name="Error">The engine's message for the step that failed (secret values masked); null when all ran.</param>
/// <param name="FailedStep">That step, described; null when all ran.</param>
/// <param name="Followup">
/// The plan for <see cref="Observed"/>, when the runtime planned again because the steps started replicas whose own start
/// events will not wake the service (a rollout's next step, or replicas ready as soon as they run); else null.
/// </param>
public sealed record WorkloadApplyResult(ObservedWorkload Observed, string? Error = null, string? FailedStep = null, ReconcilePlan? Followup = null)
{
    /// <summary>Nothing was done: <paramref name="observed"/> is still what runs.</summary>
    public static WorkloadApplyResult NothingDone(ObservedWorkload observed) => new(observed);
}
