using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Hosting;

/// <param name="Keys">Every key the operator must look at, already limited to the tenants it manages (keys of cluster-scoped kinds are kept).</param>
/// <param name="Services">The ServiceSpecs as listed, by key.</param>
/// <param name="WorkloadsByOwner">The workloads as listed, by the resource they run for.</param>
public sealed record ResourceSnapshot(
    IReadOnlyCollection<ResourceKey> Keys,
    IReadOnlyDictionary<ResourceKey, StoredService> Services,
    IReadOnlyDictionary<ResourceKey, ObservedWorkload> WorkloadsByOwner)
{
    /// <summary>The container engine did not answer: no workload is listed and no key comes from workloads.</summary>
    public bool RuntimeUnreachable { get; init; }

    /// <summary>What runs for <paramref name="owner"/> as listed (<see cref="ObservedWorkload.None"/> when nothing).</summary>
    public ObservedWorkload WorkloadOf(ResourceKey owner) => WorkloadsByOwner.GetValueOrDefault(owner) ?? ObservedWorkload.None(owner);
}
