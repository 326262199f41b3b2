namespace ZonaProcessManager.Operator.Settings;

/// <summary>How http and tcp health checks are run on the single-host backend (`zpm run --probe-mode`).</summary>
public sealed record ProbeSettings
{
    public static ProbeSettings Default { get; } = new();

    /// <summary>
    /// Who probes containers created from now on. Default <see cref="ProbeMode.Operator"/>: a Docker health check
    /// costs a process start inside the container per probe (about 50 ms of machine CPU), a probe from the host a
    /// connection. Containers keep what they were created with: the operator probes every container labelled zpm.probe
    /// whatever the mode, and Docker keeps checking those created with its health check.
    /// </summary>
    public ProbeMode Mode { get; init; } = ProbeMode.Operator;

    /// <summary>
    /// How many probes may be in flight at once. Default 100: a probe that answers takes about a millisecond, but one to
    /// an address that never answers holds its slot for its whole timeout, so 1000 replicas probed every 5 s with a 1 s
    /// timeout need up to 200 slots when all of them hang; fewer slots then delay probes rather than lose them.
    /// </summary>
    public int MaxConcurrentProbes { get; init; } = 100;

    /// <summary>
    /// How many neighbour (ARP) entries the host keeps before it drops them (Linux's net.ipv4.neigh.default.gc_thresh2,
    /// 512 by default), or null when unknown. Every replica probed from the host takes one; past this many, probes to
    /// the rest go unanswered and their services turn Degraded, so the operator warns. `zpm run` reads it from /proc.
    /// </summary>
    public int? HostNeighbourEntries { get; init; }

    /// <summary>What is wrong with these settings, or null.</summary>
    public string? Problem() =>
        MaxConcurrentProbes < 1 ? $"MaxConcurrentProbes must be at least 1, got {MaxConcurrentProbes}"
        : !Enum.IsDefined(Mode) ? $"Mode {Mode} is not a probe mode"
        : null;
}
