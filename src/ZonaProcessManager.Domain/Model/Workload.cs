namespace ZonaProcessManager.Domain.Model;

/// <summary>
/// One service's workload as the operator wants it: what a workload runtime needs to plan and apply it, all read
/// beforehand (the store lookups of dependsOn included).
/// </summary>
public sealed record DesiredWorkload
{
    public required ServiceSpec Service { get; init; }

    /// <summary>SpecHasher's hash of Service.Spec; replicas running another hash are stale.</summary>
    public required string SpecHash { get; init; }

    /// <summary>Names of dependsOn services that are not Running; nothing new starts while any is listed.</summary>
    public IReadOnlyCollection<string> UnreadyDependencies { get; init; } = [];

    /// <summary>Labels added to everything the runtime creates for it (e.g. zpm.owner for integration children).</summary>
    public IReadOnlyDictionary<string, string> OwnerLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Values that must never travel on in a message (an integration's secret env values).</summary>
    public IReadOnlyCollection<string> SecretValues { get; init; } = [];

    public ResourceKey Owner => Service.Key;
}

/// <summary>
/// One replica of a workload as its runtime reports it: a container on a single host, a task of a Swarm service.
/// State and health are the runtime's own words, lower case (running, exited; healthy, none).
/// </summary>
/// <param name="Node">Where it runs, when the runtime spreads replicas over nodes; null on a single host.</param>
/// <param name="Error">The runtime's last error for it (a task's rejection, a container's start error), if any.</param>
/// <param name="Endpoints">Addresses it is reachable on (host:port), when the runtime publishes them.</param>
public sealed record WorkloadReplica(
    string Id,
    string Name,
    int Slot,
    string State,
    string Health,
    string? Node = null,
    string? Error = null,
    IReadOnlyList<string>? Endpoints = null)
{
    /// <summary>The replica as status.containers shows it.</summary>
    public ContainerStatus ToContainerStatus() => new(Id, Name, State, Health);
}

/// <summary>What runs of one service's workload, as its runtime reports it.</summary>
public sealed record ObservedWorkload
{
    public required ResourceKey Owner { get; init; }

    /// <summary>Every replica, in slot order (then by name), whatever its state.</summary>
    public IReadOnlyList<WorkloadReplica> Replicas { get; init; } = [];

    /// <summary>
    /// The spec hash the workload as a whole was last applied with, when the runtime keeps one (a Swarm service's
    /// zpm.spec-hash label); null on a single host, where each container carries its own.
    /// </summary>
    public string? SpecHash { get; init; }

    /// <summary>
    /// Ready and desired replicas as the runtime itself counts them (a Swarm service's running and desired tasks);
    /// null when the operator counts them from <see cref="Replicas"/>. The runtime's planner turns it into the plan's
    /// replica counts, which status shows.
    /// </summary>
    public ReplicaCounts? ReportedCounts { get; init; }

    /// <summary>
    /// The containers behind the replicas when the operator runs them itself (the single-host runtime, whose planner
    /// reads their timestamps, exit codes and restart counts); empty for a runtime that runs replicas on its own.
    /// </summary>
    public IReadOnlyList<ObservedContainer> Containers { get; init; } = [];

    /// <summary>Nothing runs for <paramref name="owner"/>.</summary>
    public static ObservedWorkload None(ResourceKey owner) => new() { Owner = owner };

    /// <summary>A workload made of containers the operator runs itself; the replicas are those containers.</summary>
    public static ObservedWorkload OfContainers(ResourceKey owner, IEnumerable<ObservedContainer> containers)
    {
        var ordered = containers.OrderBy(c => c.Replica).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        return new ObservedWorkload
        {
            Owner = owner,
            Containers = ordered,
            Replicas = [.. ordered.Select(c => new WorkloadReplica(
                c.Id, c.Name, c.Replica, c.State.ToString().ToLowerInvariant(), c.Health.ToString().ToLowerInvariant(), Error: c.Error))],
        };
    }
}
