namespace ZonaProcessManager.Domain.Model;

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
    /// <summary>
    /// The replica as status.containers shows it: a replica placed on a node (a Swarm task) also with the node, its slot
    /// and the runtime's error.
    /// </summary>
    public ContainerStatus ToContainerStatus() =>
        Node is null ? new(Id, Name, State, Health) : new(Id, Name, State, Health, Node, Slot, Error);
}
