namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

/// <summary>
/// Where replicas may run (spec.placement), in Swarm's terms: constraints such as "node.role==worker" or
/// "node.labels.zone==a", spread preferences over a node label, and a cap per node. Only a multi-node runtime reads it.
/// </summary>
public sealed record PlacementSpec
{
    public IReadOnlyList<string> Constraints { get; init; } = [];
    public IReadOnlyList<PlacementPreference> Preferences { get; init; } = [];

    /// <summary>At most this many replicas on one node; null: no cap.</summary>
    public int? MaxReplicasPerNode { get; init; }
}

/// <param name="Spread">The node label (e.g. "node.labels.zone") whose values replicas spread evenly over.</param>
public sealed record PlacementPreference(string Spread);
