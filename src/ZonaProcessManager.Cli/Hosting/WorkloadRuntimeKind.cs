namespace ZonaProcessManager.Cli.Hosting;

/// <summary>The backend `zpm run` drives services' workloads with (`--runtime`).</summary>
public enum WorkloadRuntimeKind
{
    /// <summary>Containers on one Docker Engine, created, rolled and healed by the operator itself.</summary>
    Docker,

    /// <summary>One Swarm service per ServiceSpec on a Swarm manager; Swarm schedules, heals, rolls and rolls back.</summary>
    Swarm,
}
