using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Domain.Reconciliation;

public static class ServiceConvergence
{
    /// <summary>
    /// The decision before anything is applied: the plan, and the transitions, status and result if the plan changes
    /// nothing that was observed. A plan without steps is applied as it stands, so for it this is the final word.
    /// With <paramref name="rollback"/> the plan is for the revision rolled back to (<see cref="AutomaticRollback"/>)
    /// while status keeps the document's spec hash as the one observed.
    /// </summary>
    public static ServiceDecision Decide(
        DesiredWorkload desired, ServiceStatus previous, ObservedWorkload observed, DateTimeOffset now, IWorkloadPlanner planner,
        RollbackTarget? rollback = null)
    {
        var plan = planner.Plan(rollback?.Workload ?? desired, observed, now);
        return Conclude(desired, previous, plan, WorkloadApplyResult.NothingDone(observed), now, rollback);
    }

    /// <summary>The decision once <paramref name="plan"/> was applied, from what applying it did.</summary>
    public static ServiceDecision Conclude(
        DesiredWorkload desired, ServiceStatus previous, ReconcilePlan plan, WorkloadApplyResult applied, DateTimeOffset now,
        RollbackTarget? rollback = null)
    {
        var specHash = desired.SpecHash;
        var phases = new PhaseChanges(previous);
        if (previous.ObservedSpecHash != specHash || previous.Phase == ResourcePhase.Pending)
        {
            phases.Fire(ResourceTrigger.SpecApplied, "SpecApplied", $"Spec {specHash} applied");
        }

        var outcome = plan.Outcome;
        if (applied.Error is { } error)
        {
            outcome = new PlanOutcome(OutcomeKind.Degraded, "DockerError", $"{applied.FailedStep} failed: {error}");
            phases.Fire(ResourceTrigger.CreationFailed, outcome.Reason, outcome.Message);
        }
        else if (rollback is null && outcome.SuggestedTrigger is { } trigger)
        {
            phases.Fire(trigger, outcome.Reason, outcome.Message);
        }

        var replicas = plan.Replicas;
        var requeueAfter = plan.RequeueAfter;
        var followup = applied.Error is null ? applied.Followup : null;
        if (followup is { HasActions: true })
        {
            // A rollout step waits for the replicas just started, and their start events (which would otherwise wake
            // this resource) were absorbed as expected: look again at once.
            requeueAfter = TimeSpan.Zero;
        }
        else if (followup is not null && plan.Outcome.SuggestedTrigger == ResourceTrigger.ContainersCreated && followup.Outcome.Kind == OutcomeKind.AllReady)
        {
            // New replicas without a health check are ready as soon as they run, and no event says so apart from that
            // start: say Running now rather than at the next progress requeue. Repairs (a restarted replica) keep
            // Degraded until the next look confirms them.
            outcome = followup.Outcome;
            replicas = followup.Replicas;
            requeueAfter = followup.RequeueAfter;
            if (rollback is null)
            {
                phases.Fire(ResourceTrigger.AllHealthy, outcome.Reason, outcome.Message);
            }
        }
        else if (followup?.Outcome.Failure is not null)
        {
            // A replica just started already failed its rollout: the next look decides what follows (rollback), at once.
            requeueAfter = TimeSpan.Zero;
        }
        else if (followup?.RequeueAfter is { } soon && (requeueAfter is null || soon < requeueAfter))
        {
            // The replicas just started end a rollout window sooner than the plan's own requeue (RolloutWindows).
            requeueAfter = soon;
        }

        ServiceRollout? rollout = null;
        if (rollback is not null && applied.Error is null)
        {
            (outcome, rollout) = AutomaticRollback.Describe(rollback, outcome);
            if (outcome.SuggestedTrigger is { } rollbackTrigger)
            {
                phases.Fire(rollbackTrigger, outcome.Reason, outcome.Message);
            }
        }
        else if (rollback is not null)
        {
            rollout = rollback.Rollout;
        }
        else if (outcome.Failure is not null && desired.Service.Spec.Update.FailureAction == UpdateFailureAction.Rollback)
        {
            // The caller found no revision to go back to (or it would have decided with one): the rollout stays paused.
            outcome = outcome with { Message = $"{outcome.Message}; no previous revision to roll back to, so the rollout is paused" };
        }

        var lastError = applied.Error ?? (outcome.Kind == OutcomeKind.AllReady ? null : previous.LastError);
        var status = BuildStatus(previous, phases.Phase, specHash, replicas, ContainersOf(applied.Observed), outcome, lastError, now, rollout: rollout);
        var result = applied.Error is { } failure
            ? ReconciliationResult.Failure(failure)
            // A crash loop counts as a failure so the queue's backoff (not each die/start event) paces the restarts;
            // the first run that finds the replica stable succeeds and resets it.
            : outcome.Reason == PlanOutcome.Reasons.CrashLoopBackOff
                ? ReconciliationResult.Failure(outcome.Message)
                : ReconciliationResult.Success(requeueAfter);
        return new ServiceDecision(plan, phases.Transitions, phases.Refused, status, result);
    }

    /// <summary>
    /// A document that cannot run: Degraded with the reason; phase-independent fields (hash, replicas, containers) stay as
    /// last shown. Retrying cannot fix a document, its fix arrives as a change: the result is a plain success.
    /// </summary>
    public static ServiceDecision Invalid(ServiceStatus previous, string reason, DateTimeOffset now)
    {
        var message = $"Invalid spec: {reason}";
        var phases = new PhaseChanges(previous);
        phases.Fire(ResourceTrigger.SpecInvalid, PlanOutcome.Reasons.InvalidSpec, message);
        var outcome = new PlanOutcome(OutcomeKind.Invalid, PlanOutcome.Reasons.InvalidSpec, message);
        var status = BuildStatus(
            previous, phases.Phase, previous.ObservedSpecHash, previous.Replicas, previous.Containers, outcome, lastError: null, now, runtimeAnswered: false, previous.Rollout);
        return new ServiceDecision(new ReconcilePlan([], outcome, previous.Replicas, null), phases.Transitions, phases.Refused, status, ReconciliationResult.Success());
    }

    /// <summary>
    /// Deletion requested: Removed while the workload goes; a failed removal shows what is left and its error and fails
    /// (backoff); a finished one shows that nothing is left.
    /// </summary>
    public static ServiceDecision TearDown(ServiceStatus previous, WorkloadRemoval removal, DateTimeOffset now)
    {
        var phases = new PhaseChanges(previous);
        phases.Fire(ResourceTrigger.DeletionRequested, PlanOutcome.Reasons.Terminating, "Deletion requested; removing containers");
        var none = new ReplicaCounts(0, 0);
        if (removal.Error is { } error)
        {
            var failing = BuildStatus(previous, phases.Phase, previous.ObservedSpecHash, none, ContainersOf(removal.Remaining), removal.Outcome, error, now);
            return new ServiceDecision(new ReconcilePlan([], removal.Outcome, none, null), phases.Transitions, phases.Refused, failing, ReconciliationResult.Failure(error));
        }

        phases.Fire(ResourceTrigger.RemovalFinished, PlanOutcome.Reasons.RemovalFinished, "All containers removed");
        var removed = new PlanOutcome(OutcomeKind.Removed, PlanOutcome.Reasons.RemovalFinished, "All containers removed; deleting the document");
        var final = BuildStatus(previous, phases.Phase, previous.ObservedSpecHash, none, [], removed, lastError: null, now);
        return new ServiceDecision(new ReconcilePlan([], removed, none, null), phases.Transitions, phases.Refused, final, ReconciliationResult.Success());
    }

    private static IReadOnlyList<ContainerStatus> ContainersOf(ObservedWorkload workload) =>
        [.. workload.Replicas.Select(r => r.ToContainerStatus())];

    private static ServiceStatus BuildStatus(
        ServiceStatus previous,
        ResourcePhase phase,
        string? observedSpecHash,
        ReplicaCounts replicas,
        IReadOnlyList<ContainerStatus> containers,
        PlanOutcome outcome,
        string? lastError,
        DateTimeOffset now,
        bool runtimeAnswered = true,
        ServiceRollout? rollout = null)
    {
        var conditions = ConditionSet.FromOutcome(previous.Conditions, outcome, now);
        return new ServiceStatus
        {
            Phase = phase,
            ObservedSpecHash = observedSpecHash,
            Replicas = replicas,
            Containers = containers,
            Conditions = runtimeAnswered ? ConditionSet.RuntimeAnswered(conditions, now) : conditions,
            Message = outcome.Message,
            LastError = lastError,
            UpdatedAt = now,
            Rollout = rollout,
        };
    }
}
