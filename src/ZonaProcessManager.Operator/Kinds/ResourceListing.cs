using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Kinds;

/// <summary>What one resync pass listed, once each, for every kind's <see cref="IResourceKeySource"/> to derive keys from.</summary>
/// <param name="Services">Every ServiceSpec document.</param>
/// <param name="Workloads">Every workload that runs; empty when the engine did not answer.</param>
/// <param name="Tenants">Every Tenant document.</param>
/// <param name="Integrations">Every IntegrationSpec document.</param>
/// <param name="PortAllocations">Every host-port allocation.</param>
public sealed record ResourceListing(
    IReadOnlyList<StoredService> Services,
    IReadOnlyList<ObservedWorkload> Workloads,
    IReadOnlyList<StoredTenant> Tenants,
    IReadOnlyList<StoredIntegration> Integrations,
    IReadOnlyList<PortAllocation> PortAllocations);
