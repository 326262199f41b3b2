using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning.Swarm;

/// <summary>Create the Swarm service of a spec; Swarm schedules its tasks.</summary>
/// <param name="Spec">The spec as the service runs it: networks are the tenant's followed by the spec's own.</param>
/// <param name="SpecHash">The service's zpm.spec-hash (<see cref="Hashing.SwarmSpecHasher"/>).</param>
public sealed record CreateSwarmService(string ServiceName, ServiceSpecBody Spec, string SpecHash, int Replicas) : ReconcileAction
{
    public override string Describe() => $"create swarm service {ServiceName} ({Replicas} replica(s), spec {SpecHash})";
}
