using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Logging;

/// <summary>
/// The operator's log lines, source-generated: no boxing or argument array per call, and a disabled level costs one
/// check. Lines logged inside a reconcile do not name the resource: the reconcile's log scope carries it
/// (<see cref="ReconcileLogScope"/>), and the pretty console prints it before the message.
/// </summary>
internal static partial class OperatorLog
{
    // The reconcile pipeline (ReconcileTimingBehavior): one line per reconcile outcome. It names {Resource} itself, so
    // a reconcile's result reads the same wherever it is logged from.
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource} reconciled in {ElapsedMs:0.0} ms (requeue after {RequeueAfter})")]
    public static partial void Reconciled(this ILogger logger, ResourceKey resource, double elapsedMs, TimeSpan? requeueAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} reconcile failed after {ElapsedMs:0.0} ms: {Error}")]
    public static partial void ReconcileFailed(this ILogger logger, ResourceKey resource, double elapsedMs, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} reconcile stopped after {ElapsedMs:0.0} ms: {Reason}; retried with backoff while this instance leads")]
    public static partial void ReconcileFenced(this ILogger logger, ResourceKey resource, double elapsedMs, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} reconcile threw after {ElapsedMs:0.0} ms; it will be retried with backoff")]
    public static partial void ReconcileThrew(this ILogger logger, Exception exception, ResourceKey resource, double elapsedMs);

    // The queue and its worker.
    [LoggerMessage(Level = LogLevel.Error, Message = "Handling {Key} threw; it will be retried with backoff")]
    public static partial void HandlerThrew(this ILogger logger, Exception exception, object key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    public static partial void ReconcileTimedOut(this ILogger logger, string message);

    // The leader gate: one line per term's start and loss, so a log shows who reconciled when.
    [LoggerMessage(Level = LogLevel.Information, Message = "Leading as {Holder} (term {Generation}): watching, resyncing and reconciling")]
    public static partial void Leading(this ILogger logger, string holder, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leadership lost (term {Generation}): watch, runtime events, resync and reconciles stopped; standing by")]
    public static partial void LeadershipLost(this ILogger logger, long generation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Leader election failed: {Error}; trying again in {Delay}")]
    public static partial void LeaderElectionFailed(this ILogger logger, Exception exception, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not give up the leadership (term {Generation}): {Error}; it lapses on its own")]
    public static partial void LeadershipNotReleased(this ILogger logger, long generation, string error);

    // Notifications turned into queued keys: outside any reconcile, so they name the resource.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a {ChangeKind} change without a resource key")]
    public static partial void ChangeWithoutKey(this ILogger logger, ChangeKind changeKind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource} {ChangeKind} in the store")]
    public static partial void StoreChanged(this ILogger logger, ResourceKey resource, ChangeKind changeKind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource} container {ContainerId} start: already seen by the reconcile that started it")]
    public static partial void ExpectedStartSeen(this ILogger logger, ResourceKey resource, string containerId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource} container {ContainerId} {Action}")]
    public static partial void ContainerEventSeen(this ILogger logger, ResourceKey resource, string containerId, string action);

    // Inside a reconcile: the scope names the resource.
    [LoggerMessage(Level = LogLevel.Information, Message = "{From} -> {To}: {Message}")]
    public static partial void PhaseChanged(this ILogger logger, ResourcePhase from, ResourcePhase to, string? message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not record event {Reason}: {Error}")]
    public static partial void EventNotRecorded(this ILogger logger, string reason, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "deleted: removing its service {Service}")]
    public static partial void IntegrationDeletedRemovingService(this ILogger logger, ResourceKey service);

    [LoggerMessage(Level = LogLevel.Information, Message = "deleted: released host port(s) {Ports}")]
    public static partial void IntegrationPortsReleased(this ILogger logger, string ports);

    [LoggerMessage(Level = LogLevel.Information, Message = "wrote service {Service} ({Image}, ports {Ports})")]
    public static partial void ChildServiceWritten(this ILogger logger, ResourceKey service, string image, string ports);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot run: {Problems}")]
    public static partial void IntegrationCannotRun(this ILogger logger, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Allocation}")]
    public static partial void PortAllocated(this ILogger logger, string allocation);

    [LoggerMessage(Level = LogLevel.Information, Message = "offboarding: {Step}")]
    public static partial void TenantOffboarding(this ILogger logger, string step);

    [LoggerMessage(Level = LogLevel.Information, Message = "offboarded: nothing of it is left")]
    public static partial void TenantOffboarded(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot be read: {Reason}; integrations using it report it as unknown")]
    public static partial void CatalogEntryUnreadable(this ILogger logger, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "changed: {Count} integration(s) re-materialise")]
    public static partial void CatalogEntryChanged(this ILogger logger, int count);
}
