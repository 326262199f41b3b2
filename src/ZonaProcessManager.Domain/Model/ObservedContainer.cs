using ZonaProcessManager.Domain.Probing;

namespace ZonaProcessManager.Domain.Model;

public enum ContainerState { Created, Running, Restarting, Paused, Exited, Dead, Removing }

public enum ContainerHealth { None, Starting, Healthy, Unhealthy }

/// <summary>A container the operator owns, as Docker reports it (found by the zpm.* labels).</summary>
public sealed record ObservedContainer
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required ResourceKey Owner { get; init; }
    public required int Replica { get; init; }
    public required string SpecHash { get; init; }
    public required ContainerState State { get; init; }
    public ContainerHealth Health { get; init; } = ContainerHealth.None;
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the last run ended; with <see cref="StartedAt"/> it says how long that run lasted (crash loops).</summary>
    public DateTimeOffset? FinishedAt { get; init; }
    public int RestartCount { get; init; }
    public string? Error { get; init; }

    /// <summary>Exit code of an exited container (or of the last run of one Docker is restarting); null when running or unknown (treated as a failure).</summary>
    public int? ExitCode { get; init; }

    /// <summary>When the container was created; used for deadlines when it never started (StartedAt is null).</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>
    /// The health probe the operator runs against this container from the host (label zpm.probe); null when Docker
    /// runs its health check, or there is none. <see cref="Health"/> is then the operator's verdict.
    /// </summary>
    public OperatorProbe? Probe { get; init; }

    /// <summary>
    /// The address the operator probes: the container's IP on its first network by name (any of them routes from the
    /// host, and the choice must not change between observations); null when it has none, e.g. not running. One string
    /// rather than every network's address keeps two observations of the same container equal.
    /// </summary>
    public string? ProbeAddress { get; init; }
}
