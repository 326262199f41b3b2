using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Kinds;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// IntegrationSpecs a resync looks at: every stored one, and every integration that still holds port allocations, so an
/// integration deleted while the operator was down still releases its ports.
/// </summary>
public sealed class IntegrationKeySource : IResourceKeySource
{
    public ValueTask<IEnumerable<ResourceKey>> ListKeysAsync(ResourceListing listing, CancellationToken cancellationToken) =>
        ValueTask.FromResult(listing.Integrations.Select(i => i.Key)
            .Concat(listing.PortAllocations.Select(a => IntegrationKeys.Integration(a.Tenant, a.Integration))));
}
