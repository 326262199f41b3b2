namespace ZonaProcessManager.Domain.Model;

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

    /// <summary>
    /// Where the runtime's own rollout of the workload stands, when it rolls by itself (a Swarm service's update
    /// status); null when the operator rolls replicas itself.
    /// </summary>
    public WorkloadRollout? Rollout { get; init; }

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
