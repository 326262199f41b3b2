using System.Collections.Concurrent;
using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Queue;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Takes keys from the queue (bounded parallelism, one at a time per key) and sends each to its controller, with a
/// deadline: a reconcile still running after <see cref="OperatorSettings.ReconcileTimeout"/> is cancelled, reported and
/// retried with backoff, and its worker moves on even when the reconcile ignores the cancellation. Leader-only: the
/// end of a leadership term cancels every reconcile in flight, as shutdown does.
/// </summary>
public sealed class QueueWorker(
    ReconcileQueue queue,
    ISender sender,
    BestEffortEventRecorder events,
    OperatorSettings settings,
    TimeProvider time,
    ILogger<QueueWorker> logger) : ILeaderOnlyLoop
{
    // How long the timeout's event write may take: reporting a stuck reconcile must not get stuck itself.
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(10);

    // Runs the worker stopped waiting for (at their deadline, or when the term ended) that have not returned since: their
    // key must not run again until they do, or one key would be reconciled twice at once (in the next term too).
    private readonly ConcurrentDictionary<ResourceKey, Task> _overrunning = new();

    public Task RunAsync(CancellationToken stoppingToken) => queue.RunAsync(ReconcileAsync, stoppingToken);

    private async ValueTask<WorkOutcome> ReconcileAsync(ResourceKey key, CancellationToken stoppingToken)
    {
        // Every line of this run (the reconcilers', the timeout report's) carries the key and an id of the run. The run
        // below copies the scope with its execution context, so a run abandoned at its deadline still logs under it.
        using var scope = ReconcileLogScope.Begin(logger, key);
        if (_overrunning.TryGetValue(key, out var earlier) && !earlier.IsCompleted)
        {
            return WorkOutcome.Failure("an earlier run, cancelled at its deadline or at the end of a leadership term, has not returned yet");
        }

        using var deadline = new CancellationTokenSource(settings.ReconcileTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
        // On the thread pool, so a handler that computes for long before its first await cannot hold the worker either.
        var run = Task.Run(() => sender.Send(new ReconcileRequest(key), linked.Token).AsTask(), CancellationToken.None);
        ReconciliationResult result;
        try
        {
            // Waits for the run or the token, whichever comes first: shutdown and the deadline free the worker at once.
            result = await run.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            return await ReportTimeoutAsync(key, run, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown or the end of the term: the queue stops here. A run ignoring its token goes on without a worker.
            RefuseKeyUntilReturned(key, run);
            throw;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // ReconcileTimingBehavior logged it once, with its stack when it is a bug; the queue retries it with backoff.
            return WorkOutcome.Failure(exception.Message);
        }

        if (!result.IsSuccess)
        {
            return WorkOutcome.Failure(result.Error ?? "reconcile failed", result.RequeueAfter);
        }

        return result.RequeueAfter is { } delay ? WorkOutcome.DoneRequeueAfter(delay) : WorkOutcome.Done();
    }

    private async Task<WorkOutcome> ReportTimeoutAsync(ResourceKey key, Task<ReconciliationResult> run, CancellationToken stoppingToken)
    {
        RefuseKeyUntilReturned(key, run);
        var message = $"Reconcile did not finish within {settings.ReconcileTimeout.TotalSeconds:0.#} s; cancelled, retrying with backoff";
        logger.ReconcileTimedOut(message);
        await events.RecordAsync(key, EventType.Warning, "ReconcileTimeout", message, stoppingToken, ReportTimeout).ConfigureAwait(false);
        return WorkOutcome.Failure(message);
    }

    private void RefuseKeyUntilReturned(ResourceKey key, Task<ReconciliationResult> run)
    {
        if (run.IsCompleted)
        {
            return;
        }

        _overrunning[key] = run;
        _ = run.ContinueWith(
            finished =>
            {
                _overrunning.TryRemove(new KeyValuePair<ResourceKey, Task>(key, finished));
                _ = finished.Exception; // observed: the worker already reported or dropped this run
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
