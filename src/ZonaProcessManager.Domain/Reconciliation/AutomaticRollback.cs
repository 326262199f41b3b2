using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Domain.Reconciliation;

/// <summary>An automatic rollback in force: what status says about it, and the workload that puts the revision back.</summary>
/// <param name="Rollout">The status section (state as last written; <see cref="ServiceConvergence"/> moves it on).</param>
/// <param name="Workload">The previous revision's spec, with the document's replicas and suspension and spec.rollback as
/// its way back, under the revision's own spec hash.</param>
public sealed record RollbackTarget(ServiceRollout Rollout, DesiredWorkload Workload);

/// <summary>
/// The single-host backend's failure action rollback, all of it derived from the document, status.rollout, the revision
/// history and what runs, so an operator restart at any point takes the same decision again:
/// <list type="bullet">
/// <item>A plan reports a <see cref="RolloutFailure"/> and spec.update.failureAction is rollback: the newest revision
/// recorded before the failed spec's own is the target (<see cref="Begin"/>); without one the rollout stays paused.</item>
/// <item>While status.rollout.failedSpecHash is the document's spec hash, the target revision is what the operator runs
/// (<see cref="InForce"/>); the failed spec is not tried again. Any change of the document's spec ends it.</item>
/// </list>
/// </summary>
public static class AutomaticRollback
{
    /// <summary>The rollback status says is in force for a document whose spec hash is <paramref name="specHash"/>.</summary>
    public static ServiceRollout? InForce(ServiceStatus previous, string specHash) =>
        previous.Rollout is { } rollout && rollout.HoldsFor(specHash) ? rollout : null;

    /// <summary>The newest revision recorded before the failed spec's own, with another spec hash; null when there is none.</summary>
    public static ServiceRevision? PreviousRevision(IReadOnlyList<ServiceRevision> history, string failedSpecHash)
    {
        var ordered = history.OrderBy(r => r.Number).ToList();
        var failedIndex = ordered.FindLastIndex(r => r.SpecHash == failedSpecHash);
        var before = failedIndex >= 0 ? ordered.Take(failedIndex) : ordered;
        return before.LastOrDefault(r => r.SpecHash != failedSpecHash);
    }

    /// <summary>A rollback of <paramref name="desired"/>'s spec after <paramref name="failure"/>; null without a previous revision.</summary>
    public static RollbackTarget? Begin(
        DesiredWorkload desired, IReadOnlyList<ServiceRevision> history, RolloutFailure failure, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(failure);
        if (PreviousRevision(history, desired.SpecHash) is not { } target)
        {
            return null;
        }

        var failed = history.Where(r => r.SpecHash == desired.SpecHash).Select(r => (long?)r.Number).LastOrDefault();
        // Milliseconds, as a store keeps them: the section read back compares equal to the one written.
        var startedAt = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), now.Offset);
        var rollout = new ServiceRollout(RolloutState.RollingBack, desired.SpecHash, failed, target.Number, target.SpecHash, failure.ToString(), startedAt);
        return new RollbackTarget(rollout, WorkloadFor(desired, target));
    }

    /// <summary>The rollback in force, resumed from status with its revision (read again after a restart).</summary>
    public static RollbackTarget Resume(DesiredWorkload desired, ServiceRollout rollout, ServiceRevision target) =>
        new(rollout, WorkloadFor(desired, target));

    /// <summary>
    /// The revision's spec as it runs during a rollback: replicas and suspension keep following the document (neither
    /// is in the spec hash, so scaling or suspending a rolled-back service works), and spec.rollback is the strategy.
    /// </summary>
    public static DesiredWorkload WorkloadFor(DesiredWorkload desired, ServiceRevision target)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(target);
        var document = desired.Service.Spec;
        var way = document.Rollback;
        var body = target.Spec with
        {
            Replicas = document.Replicas,
            Suspended = document.Suspended,
            Rollback = way,
            Update = new UpdateStrategy
            {
                Order = way.Order,
                Parallelism = way.Parallelism,
                DelaySeconds = way.DelaySeconds,
                MonitorSeconds = way.MonitorSeconds,
                FailureAction = way.FailureAction == UpdateFailureAction.Continue ? UpdateFailureAction.Continue : UpdateFailureAction.Pause,
            },
        };
        return desired with { Service = desired.Service with { Spec = body }, SpecHash = target.SpecHash };
    }

    /// <summary>
    /// What the service shows while <paramref name="target"/> is in force, from the outcome of the plan that puts the
    /// revision back: RolledBack once every replica of the revision is ready, RollbackPaused when putting it back failed
    /// too, RollingBack meanwhile. The message stays the same while the state does (no status churn), and is worded
    /// like the Swarm backend's.
    /// </summary>
    public static (PlanOutcome Outcome, ServiceRollout Rollout) Describe(RollbackTarget target, PlanOutcome planned)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(planned);
        var rollout = target.Rollout;
        var failed = $"Spec {rollout.FailedSpecHash} failed to roll out ({rollout.Message})";
        if (planned.Kind == OutcomeKind.AllReady)
        {
            return (new PlanOutcome(OutcomeKind.Degraded, PlanOutcome.Reasons.RolledBack, $"{failed}; rolled back to revision {rollout.ToRevision}"),
                rollout with { State = RolloutState.RolledBack });
        }

        if (planned.Failure is { } failure)
        {
            return (new PlanOutcome(OutcomeKind.Degraded, PlanOutcome.Reasons.RolledBack,
                    $"{failed}; rolling back to revision {rollout.ToRevision} paused: {failure}"),
                rollout with { State = RolloutState.RollbackPaused });
        }

        if (planned.Kind == OutcomeKind.Degraded)
        {
            // A replica of the revision itself is failing: its own reason says more than RolledBack.
            return (planned with { Message = $"Rolling back to revision {rollout.ToRevision}: {planned.Message}" },
                rollout with { State = RolloutState.RollingBack });
        }

        return (new PlanOutcome(OutcomeKind.Degraded, PlanOutcome.Reasons.RolledBack, $"{failed}; rolling back to revision {rollout.ToRevision}"),
            rollout with { State = RolloutState.RollingBack });
    }
}
