namespace ZonaProcessManager.Docker;

/// <summary>Where one replica runs and answers, as the engine reports it now.</summary>
/// <param name="NodeHostname">The hostname of the Swarm node a task runs on; null for a container on the one engine.</param>
/// <param name="NodeAddress">The address the task's node is reached at; null for a container on the one engine.</param>
/// <param name="Endpoints">"host:port->containerPort/protocol" for every published port it answers on.</param>
public sealed record ReplicaLocation(string? NodeHostname, string? NodeAddress, IReadOnlyList<string> Endpoints);
