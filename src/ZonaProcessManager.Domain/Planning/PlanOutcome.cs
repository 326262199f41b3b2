using ZonaProcessManager.Domain.Lifecycle;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>
/// Where the resource stands after this plan, with a machine-readable reason (for conditions and events) and the
/// lifecycle trigger the operator should fire, if any.
/// </summary>
public sealed record PlanOutcome(OutcomeKind Kind, string Reason, string Message)
{
    /// <summary>
    /// Set when a rollout failed on a new replica (single host): with failure action rollback the operator goes back to
    /// the previous revision, with pause the outcome stands as it is.
    /// </summary>
    public RolloutFailure? Failure { get; init; }

    public ResourceTrigger? SuggestedTrigger => Kind switch
    {
        OutcomeKind.Degraded when Reason is Reasons.RolledBack => ResourceTrigger.RolledBack,
        OutcomeKind.AllReady => ResourceTrigger.AllHealthy,
        OutcomeKind.Invalid => ResourceTrigger.SpecInvalid,
        OutcomeKind.TearingDown => ResourceTrigger.DeletionRequested,
        OutcomeKind.Removed => ResourceTrigger.RemovalFinished,
        OutcomeKind.Degraded when Reason is Reasons.ReplicaExited or Reasons.ReplicaCompleted or Reasons.ReplicaDead or Reasons.CrashLoopBackOff
            => ResourceTrigger.ReplicaDied,
        OutcomeKind.Degraded => ResourceTrigger.ReplicaUnhealthy,
        OutcomeKind.Progressing when Reason is Reasons.Creating or Reasons.ScalingUp or Reasons.RollingUpdate
            => ResourceTrigger.ContainersCreated,
        _ => null,
    };

    /// <summary>Machine-readable reasons used in outcomes (and so in conditions and events).</summary>
    public static class Reasons
    {
        public const string AllReplicasReady = "AllReplicasReady";
        public const string Suspended = "Suspended";
        public const string Creating = "Creating";
        public const string ScalingUp = "ScalingUp";
        public const string ScalingDown = "ScalingDown";
        public const string RollingUpdate = "RollingUpdate";
        public const string WaitingForReplicas = "WaitingForReplicas";
        public const string RolloutStalled = "RolloutStalled";

        /// <summary>A rollout failed and the previous revision was put back (both backends use this word).</summary>
        public const string RolledBack = "RolledBack";
        public const string ReplicaUnhealthy = "ReplicaUnhealthy";
        public const string ReplicaExited = "ReplicaExited";
        public const string ReplicaCompleted = "ReplicaCompleted";
        public const string ReplicaDead = "ReplicaDead";
        public const string ReplicaPaused = "ReplicaPaused";

        /// <summary>A replica keeps exiting soon after each start; the operator reconciles it with failure backoff.</summary>
        public const string CrashLoopBackOff = "CrashLoopBackOff";
        public const string WaitingForDependencies = "WaitingForDependencies";
        public const string InvalidSpec = "InvalidSpec";
        public const string Terminating = "Terminating";
        public const string RemovalFinished = "RemovalFinished";
    }
}
