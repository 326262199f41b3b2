using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// How the operator records events: they are history for humans, so a write the store refuses (or one past its
/// timeout) is logged and never fails the caller (a reconcile that already changed Docker, or the report of a stuck
/// reconcile). The caller's own cancellation escapes, and so does a <see cref="LeadershipFenceException"/> (the
/// leadership term is ending: the reconcile stops) and anything else: that is a bug, which fails the reconcile, is
/// logged with its stack and retried.
/// </summary>
public sealed class BestEffortEventRecorder(IEventRecorder recorder, TimeProvider time, ILogger<BestEffortEventRecorder> logger)
{
    /// <summary>Records an event stamped with the current time.</summary>
    public Task RecordAsync(ResourceKey resource, EventType type, string reason, string message, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        RecordAsync(new ResourceEvent(resource, reason, message, type, time.GetUtcNow()), cancellationToken, timeout);

    /// <param name="timeout">
    /// How long the write may take before it is given up (and logged like any failed write); none waits as long as the
    /// caller does.
    /// </param>
    public async Task RecordAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var deadline = timeout is { } limit ? new CancellationTokenSource(limit, time) : null;
        using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = linked?.Token ?? cancellationToken;
        try
        {
            await recorder.RecordAsync(resourceEvent, token).WaitAsync(token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is StoreException
            || (exception is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning("{Resource} could not record event {Reason}: {Error}", resourceEvent.Resource, resourceEvent.Reason, exception.Message);
        }
    }
}
