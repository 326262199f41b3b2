using System.Diagnostics;
using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Metrics;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Times every reconcile and logs its result in one line, so controllers stay free of bookkeeping. This is the one place
/// a failed reconcile is logged: the worker and the queue that retry it say nothing more about it. It counts and times
/// each reconcile for the metrics too (zpm_reconcile_total, zpm_reconcile_errors_total, zpm_reconcile_duration_seconds).
/// </summary>
public sealed class ReconcileTimingBehavior(ILogger<ReconcileTimingBehavior> logger, OperatorMetrics? metrics = null)
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
            metrics?.ReconcileFinished(
                message.Key.Kind,
                !result.IsSuccess ? OperatorMetrics.Error : result.RequeueAfter is null ? OperatorMetrics.Success : OperatorMetrics.RequeueAfter,
                elapsed);
            if (result.IsSuccess)
            {
                logger.Reconciled(message.Key, elapsed.TotalMilliseconds, result.RequeueAfter);
            }
            else
            {
                logger.ReconcileFailed(message.Key, elapsed.TotalMilliseconds, result.Error);
            }

            return result;
        }
        // The reconcile's own token (deadline or shutdown) is reported by the worker; any other cancellation is a failure.
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics?.ReconcileFinished(message.Key.Kind, OperatorMetrics.Error, elapsed);
            var elapsedMs = elapsed.TotalMilliseconds;
            if (exception is LeadershipFenceException fenced)
            {
                // Not the resource's failure: the term is ending, and retrying is left to the queue's backoff until
                // the gate stops the workers, so a refused write or action never turns into a hot loop.
                logger.ReconcileFenced(message.Key, elapsedMs, fenced.Message);
            }
            else if (exception is ContainerRuntimeException or StoreException)
            {
                // The engine or the store refused: their message says what (and is safe to log); a stack adds nothing.
                logger.ReconcileFailed(message.Key, elapsedMs, exception.Message);
            }
            else
            {
                // Anything else is a bug: its stack is what finds it.
                logger.ReconcileThrew(exception, message.Key, elapsedMs);
            }

            throw;
        }
    }
}
