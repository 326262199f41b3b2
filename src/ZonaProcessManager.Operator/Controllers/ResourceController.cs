using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Messages;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>Routes a reconcile request to the reconciler of the resource's kind.</summary>
public sealed class ResourceController(
    ServiceReconciler services,
    IntegrationReconciler integrations,
    TenantReconciler tenants,
    CatalogReconciler catalog,
    ILogger<ResourceController> logger)
    : IRequestHandler<ReconcileRequest, ReconciliationResult>
{
    public async ValueTask<ReconciliationResult> Handle(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var key = request.Key;
        switch (key.Kind)
        {
            case ServiceSpec.KindName:
                return await services.ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
            case IntegrationSpec.KindName:
                return await integrations.ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
            case Tenant.KindName:
                return await tenants.ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
            case IntegrationDefinition.KindName:
                return await catalog.ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
            default:
                // Not retried: no controller will appear for it while this process runs.
                logger.LogWarning("{Resource}: no controller for kind {Kind}; ignored", key, key.Kind);
                return ReconciliationResult.Success();
        }
    }
}
