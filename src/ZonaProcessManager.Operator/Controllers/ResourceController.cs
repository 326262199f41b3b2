using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Kinds;
using ZonaProcessManager.Operator.Messages;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>Routes a reconcile request to the reconciler registered for the resource's kind.</summary>
public sealed class ResourceController(ReconcilerRegistry reconcilers, ILogger<ResourceController> logger)
    : IRequestHandler<ReconcileRequest, ReconciliationResult>
{
    public async ValueTask<ReconciliationResult> Handle(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var key = request.Key;
        if (reconcilers.TryGet(key.Kind, out var reconciler))
        {
            return await reconciler.ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
        }

        // Not retried: no reconciler will appear for it while this process runs. The queue refuses such keys already;
        // this covers a request sent by other means.
        logger.LogError("{Resource}: no reconciler is registered for kind {Kind}; refused", key, key.Kind);
        return ReconciliationResult.Success();
    }
}
