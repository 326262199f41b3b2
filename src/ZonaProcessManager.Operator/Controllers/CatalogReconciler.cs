using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Logging;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// A catalog entry changed (new image, parameters, ports) or went away: every integration re-materialises its service,
/// and the core rolls each changed service with its usual rollout. The work queue bounds how many run at once, so a new
/// connector version reaches all tenants without a thundering herd. Every integration is asked, not only those with the
/// entry's current integration_id: an edit may have changed the id itself.
/// </summary>
public sealed class CatalogReconciler(IIntegrationStore store, IReconcileTrigger trigger, ILogger<CatalogReconciler> logger)
    : IReconciler
{
    public async Task<ReconciliationResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var catalog = await store.ListCatalogAsync(cancellationToken).ConfigureAwait(false);
        if (catalog.FirstOrDefault(d => d.Key.Name == key.Name) is { Definition: null } broken)
        {
            logger.CatalogEntryUnreadable(broken.InvalidReason);
        }

        var integrations = await store.ListIntegrationsAsync(tenant: null, cancellationToken).ConfigureAwait(false);
        trigger.Request(integrations.Select(i => i.Key), $"catalog entry {key.Name} changed");
        logger.CatalogEntryChanged(integrations.Count);
        return ReconciliationResult.Success();
    }
}
