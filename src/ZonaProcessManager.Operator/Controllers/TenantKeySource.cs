using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Kinds;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Tenants a resync looks at: every stored one, and every tenant that still has integration services, IntegrationSpecs
/// or port allocations, so a tenant deleted while the operator was down is still offboarded.
/// </summary>
public sealed class TenantKeySource : IResourceKeySource
{
    public ValueTask<IEnumerable<ResourceKey>> ListKeysAsync(ResourceListing listing, CancellationToken cancellationToken) =>
        ValueTask.FromResult(listing.Services
            .Where(s => s.Spec?.Metadata.OwnerReferences.Any(o => o.Kind == IntegrationSpec.KindName) ?? false)
            .Select(s => IntegrationKeys.Tenant(s.Key.Tenant))
            .Concat(listing.Tenants.Select(t => t.Key))
            .Concat(listing.PortAllocations.Select(a => IntegrationKeys.Tenant(a.Tenant)))
            .Concat(listing.Integrations.Select(i => IntegrationKeys.Tenant(i.Key.Tenant))));
}
