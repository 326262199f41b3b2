namespace ZonaProcessManager.Domain.Model;

/// <summary>Where the last change of a workload that rolls by itself (a Swarm service's UpdateStatus) stands.</summary>
public enum RolloutState
{
    /// <summary>No rollout has run since the workload was created.</summary>
    None,

    /// <summary>Replicas are being replaced with the spec being rolled out.</summary>
    Updating,

    /// <summary>A rollout stopped on failures (failure action pause) and waits for the spec to change.</summary>
    Paused,

    /// <summary>Every replica was replaced with the rolled-out spec.</summary>
    Completed,

    /// <summary>A rollout failed and the previous spec is being put back.</summary>
    RollingBack,

    /// <summary>Putting the previous spec back failed too and stopped.</summary>
    RollbackPaused,

    /// <summary>A rollout failed and the previous spec runs again.</summary>
    RolledBack,
}
