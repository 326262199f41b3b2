namespace ZonaProcessManager.Domain.Lifecycle;

/// <summary>What happened to a resource; the operator derives these from the spec, the plan outcome and Docker events.</summary>
public enum ResourceTrigger
{
    /// <summary>A new or changed spec (its hash differs from status.observedSpecHash) was accepted.</summary>
    SpecApplied,

    /// <summary>The spec cannot be run (validation failed, unreadable document).</summary>
    SpecInvalid,

    /// <summary>Replicas were created and are starting.</summary>
    ContainersCreated,

    /// <summary>Docker would not create or start a replica (image missing, port taken...).</summary>
    CreationFailed,

    /// <summary>Every desired replica runs the current spec and is healthy.</summary>
    AllHealthy,

    /// <summary>A replica failed its health check, or a rollout stalled on a replica that never became healthy.</summary>
    ReplicaUnhealthy,

    /// <summary>A rollout failed and the previous revision was put back in its place.</summary>
    RolledBack,

    /// <summary>A replica exited, died or vanished.</summary>
    ReplicaDied,

    /// <summary>The document was deleted or marked metadata.deletionRequested.</summary>
    DeletionRequested,

    /// <summary>Every container of the resource is gone.</summary>
    RemovalFinished,
}
