using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning.Swarm;

/// <summary>Update the Swarm service: Swarm rolls its tasks as the spec's update config says.</summary>
/// <param name="Spec">The spec as the service runs it: networks are the tenant's followed by the spec's own.</param>
/// <param name="SpecHash">The service's zpm.spec-hash (<see cref="Hashing.SwarmSpecHasher"/>).</param>
/// <param name="ScaleOnly">
/// Only the replica count changes and the service's task template stays as it is: used when the spec is unchanged, and
/// after Swarm rolled back the spec, which must not be pushed again until the document changes.
/// </param>
public sealed record UpdateSwarmService(string ServiceName, ServiceSpecBody Spec, string SpecHash, int Replicas, bool ScaleOnly) : ReconcileAction
{
    public override string Describe() => ScaleOnly
        ? $"scale swarm service {ServiceName} to {Replicas} replica(s)"
        : $"update swarm service {ServiceName} to spec {SpecHash} ({Replicas} replica(s))";
}
