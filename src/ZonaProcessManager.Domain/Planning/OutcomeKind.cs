namespace ZonaProcessManager.Domain.Planning;

public enum OutcomeKind
{
    /// <summary>Every desired replica runs the current spec and is ready; nothing to do.</summary>
    AllReady,

    /// <summary>Work is under way (creating, scaling, rolling); check again soon.</summary>
    Progressing,

    /// <summary>Something is wrong that the plan cannot fix right now (unhealthy, exited, rollout stalled).</summary>
    Degraded,

    /// <summary>Replicas must be created but a dependsOn service is not Running yet.</summary>
    WaitingForDependencies,

    /// <summary>The spec cannot be run; no container is created.</summary>
    Invalid,

    /// <summary>Deletion requested and containers are still being removed.</summary>
    TearingDown,

    /// <summary>Deletion requested and no container is left.</summary>
    Removed,
}
