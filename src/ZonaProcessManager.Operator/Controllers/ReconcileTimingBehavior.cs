using System.Diagnostics;
using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>Times every reconcile and logs its result in one line, so controllers stay free of bookkeeping.</summary>
public sealed class ReconcileTimingBehavior(ILogger<ReconcileTimingBehavior> logger)
    : IPipelineBehavior<ReconcileRequest, ReconciliationResult>
{
    public async ValueTask<ReconciliationResult> Handle(
        ReconcileRequest message,
        MessageHandlerDelegate<ReconcileRequest, ReconciliationResult> next,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await next(message, cancellationToken).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (result.IsSuccess)
            {
                logger.LogDebug("{Resource} reconciled in {ElapsedMs:0.0} ms (requeue after {RequeueAfter})", message.Key, elapsed.TotalMilliseconds, result.RequeueAfter);
            }
            else
            {
                logger.LogWarning("{Resource} reconcile failed after {ElapsedMs:0.0} ms: {Error}", message.Key, elapsed.TotalMilliseconds, result.Error);
            }

            return result;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "{Resource} reconcile threw after {ElapsedMs:0.0} ms", message.Key, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }
}
