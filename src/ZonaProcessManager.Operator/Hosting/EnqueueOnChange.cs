using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Kinds;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>Turns watcher and Docker notifications into queued keys; reconciling itself happens in the queue worker.</summary>
public sealed class EnqueueOnChange(
    ReconcileQueue queue,
    Resync resync,
    KindRegistry kinds,
    OperatorSettings settings,
    ExpectedContainerStarts expectedStarts,
    ILogger<EnqueueOnChange> logger)
    : INotificationHandler<ResourceChanged>, INotificationHandler<ContainerEventObserved>
{
    public async ValueTask Handle(ResourceChanged notification, CancellationToken cancellationToken)
    {
        var change = notification.Change;
        if (change.Kind == ChangeKind.Relist)
        {
            await resync.RunOnceAsync("Relist", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (change.Key is null)
        {
            logger.ChangeWithoutKey(change.Kind);
            return;
        }

        // A cluster-scoped kind (the catalog) reaches every operator, whatever tenants it manages: each re-materialises
        // its own integrations.
        if (!settings.Manages(change.Key.Tenant) && !kinds.IsClusterScoped(change.Key.Kind))
        {
            return;
        }

        logger.StoreChanged(change.Key, change.Kind);
        queue.Add(change.Key);
    }

    public ValueTask Handle(ContainerEventObserved notification, CancellationToken cancellationToken)
    {
        var containerEvent = notification.Event;
        if (!settings.Manages(containerEvent.Owner.Tenant))
        {
            return ValueTask.CompletedTask;
        }

        if (containerEvent is { Action: "start", ContainerName: { } name } && expectedStarts.TryConsume(name))
        {
            logger.ExpectedStartSeen(containerEvent.Owner, ShortId(containerEvent.ContainerId));
            return ValueTask.CompletedTask;
        }

        logger.ContainerEventSeen(containerEvent.Owner, ShortId(containerEvent.ContainerId), containerEvent.Action);
        // A container event never cuts a failure backoff short: a failed reconcile's own cleanup (the removal of a
        // container Docker created but could not start) and a crash-looping replica raise events at once, and acting
        // on them would retry the failing create or restart many times a second. A store change (a user's fix) still
        // runs at once through Add.
        queue.AddUnlessBackingOff(containerEvent.Owner);
        return ValueTask.CompletedTask;
    }

    private static string ShortId(string id) => id.Length > 12 ? id[..12] : id;
}
