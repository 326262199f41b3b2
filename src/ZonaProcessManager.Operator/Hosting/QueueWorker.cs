using Mediator;
using Microsoft.Extensions.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Queue;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>Takes keys from the queue (bounded parallelism, one at a time per key) and sends each to its controller.</summary>
public sealed class QueueWorker(ReconcileQueue queue, ISender sender) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => queue.RunAsync(ReconcileAsync, stoppingToken);

    private async ValueTask<WorkOutcome> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new ReconcileRequest(key), cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            return WorkOutcome.Failure(result.Error ?? "reconcile failed", result.RequeueAfter);
        }

        return result.RequeueAfter is { } delay ? WorkOutcome.DoneRequeueAfter(delay) : WorkOutcome.Done();
    }
}
