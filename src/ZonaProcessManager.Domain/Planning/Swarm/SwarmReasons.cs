namespace ZonaProcessManager.Domain.Planning.Swarm;

/// <summary>
/// Machine-readable reasons of Swarm outcomes beyond <see cref="PlanOutcome.Reasons"/> (in conditions and events). The
/// message next to them is Swarm's own text.
/// </summary>
public static class SwarmReasons
{
    /// <summary>A rollout failed and Swarm put (or is putting) the previous spec back; the old tasks keep serving.</summary>
    public const string RolledBack = PlanOutcome.Reasons.RolledBack;

    /// <summary>A rollout stopped on failures (update failure action pause).</summary>
    public const string UpdatePaused = "UpdatePaused";

    /// <summary>The scheduler finds no node for a task (constraints, resources, a host-mode port taken everywhere).</summary>
    public const string NoSuitableNode = "NoSuitableNode";

    /// <summary>A task could not bind its published port on its node.</summary>
    public const string PortInUse = "PortInUse";

    /// <summary>A node has no copy of the image and cannot pull it (there is no registry).</summary>
    public const string ImageMissing = "ImageMissing";

    /// <summary>A task failed for another reason Swarm gives.</summary>
    public const string TaskFailed = "TaskFailed";

    /// <summary>Fewer tasks run than desired long after the service last changed (a node went away, tasks died).</summary>
    public const string TasksMissing = "TasksMissing";
}
