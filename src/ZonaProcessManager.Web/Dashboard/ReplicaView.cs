namespace ZonaProcessManager.Web.Dashboard;

/// <summary>A container or Swarm task of a service as its page shows it, with the addresses it answers on.</summary>
/// <param name="Endpoints">"127.0.0.1:32801 → 8080" entries as the engine reports them; empty when it publishes nothing.</param>
public sealed record ReplicaView(string Name, string Id, string State, string Health, string? Node, int? Slot, string? Error, IReadOnlyList<string> Endpoints);
