using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>Routes a reconcile request to the reconciler of the resource's kind (only ServiceSpec so far).</summary>
public sealed class ResourceController(ServiceReconciler services, ILogger<ResourceController> logger)
    : IRequestHandler<ReconcileRequest, ReconciliationResult>
{
    public async ValueTask<ReconciliationResult> Handle(ReconcileRequest request, CancellationToken cancellationToken)
    {
        if (request.Key.Kind == ServiceSpec.KindName)
        {
            return await services.ReconcileAsync(request.Key, cancellationToken).ConfigureAwait(false);
        }

        // Not retried: no controller will appear for it while this process runs.
        logger.LogWarning("{Resource}: no controller for kind {Kind}; ignored", request.Key, request.Key.Kind);
        return ReconciliationResult.Success();
    }
}
