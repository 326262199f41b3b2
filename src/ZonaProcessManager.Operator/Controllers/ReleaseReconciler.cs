using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// One release: reads it and every ServiceSpec, lets the domain's <see cref="ReleasePlanner"/> decide, then writes the
/// release's status first (so the image each write replaces is on record before it is replaced), then the images, each
/// a compare-and-set on the image read, then the events. While the release rolls it looks again every
/// <see cref="OperatorSettings.ReleaseRequeueInterval"/>; its own spec changes (pause, resume, rollback) wake it through
/// the watcher. The release only edits documents, so it works the same whatever runs the services (one host or Swarm).
/// </summary>
/// <remarks>
/// Releases are cluster-wide, and an operator scoped to some tenants (OperatorSettings.Tenants) runs a release only
/// when the release names its tenants and all of them are this operator's; otherwise two operators would both
/// write its status.
/// </remarks>
public sealed class ReleaseReconciler(
    IReleaseStore releases,
    IServiceStore services,
    ReleasePlanner planner,
    IReconcileTrigger trigger,
    OperatorSettings settings,
    TimeProvider time,
    StatusPublisher publisher,
    BestEffortEventRecorder events,
    ILogger<ReleaseReconciler> logger)
    : IReconciler
{
    public async Task<ReconciliationResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var stored = await releases.GetReleaseAsync(key.Name, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            publisher.Gone(key);
            return ReconciliationResult.Success();
        }

        if (stored.Release is not { } release)
        {
            return await ReportInvalidAsync(stored, stored.InvalidReason ?? "The document cannot be read", cancellationToken).ConfigureAwait(false);
        }

        if (settings.Tenants is { } scope
            && (release.Spec.Selector.Tenants.Count == 0 || release.Spec.Selector.Tenants.Any(t => !scope.Contains(t))))
        {
            logger.LogDebug("{Resource} selects tenants outside this operator's scope; left to an operator that manages them all", key);
            return ReconciliationResult.Success();
        }

        var all = await services.ListAsync(cancellationToken).ConfigureAwait(false);
        var plan = planner.Plan(release, stored.Status, all, time.GetUtcNow());
        if (!ReferenceEquals(plan.Status, stored.Status))
        {
            await releases.WriteReleaseStatusAsync(key.Name, plan.Status, cancellationToken).ConfigureAwait(false);
            if (stored.Status?.Phase != plan.Status.Phase)
            {
                logger.LogInformation("{Resource} {From} -> {To}: {Message}", key, stored.Status?.Phase.ToString() ?? "new", plan.Status.Phase, plan.Status.Message);
            }
        }

        var missed = new List<ResourceKey>();
        var changeCause = ReleaseChangeCause.For(key.Name);
        foreach (var write in plan.Writes)
        {
            if (await releases.SetServiceImageAsync(write.Service, write.ExpectedImage, write.NewImage, changeCause, cancellationToken).ConfigureAwait(false))
            {
                logger.LogInformation("{Resource} set {Service} image {Old} -> {New}", key, write.Service, write.ExpectedImage, write.NewImage);
            }
            else
            {
                // Changed (or deleted) since it was read: the next look sees what it is now and says so in the status.
                missed.Add(write.Service);
                logger.LogInformation("{Resource} did not set {Service}'s image: it is no longer {Old}", key, write.Service, write.ExpectedImage);
            }
        }

        var written = plan.Writes.Select(w => w.Service).Except(missed).ToList();
        if (written.Count > 0)
        {
            // The watcher would bring these too; asking directly saves a round trip.
            trigger.Request(written, $"release {key.Name}");
        }

        foreach (var note in plan.Events)
        {
            logger.LogInformation("{Resource} {Reason}: {Message}", key, note.Reason, note.Message);
            await events.RecordAsync(key, note.Type, note.Reason, note.Message, cancellationToken).ConfigureAwait(false);
        }

        return ReconciliationResult.Success(missed.Count > 0 ? TimeSpan.Zero : plan.RequeueAfter);
    }

    private async Task<ReconciliationResult> ReportInvalidAsync(StoredRelease stored, string reason, CancellationToken cancellationToken)
    {
        var next = ReleasePlanner.Invalid(stored.Status, reason, time.GetUtcNow());
        if (stored.Status?.Message != next.Message || stored.Status?.Phase != next.Phase)
        {
            await releases.WriteReleaseStatusAsync(stored.Key.Name, next, cancellationToken).ConfigureAwait(false);
            await events.RecordAsync(stored.Key, EventType.Warning, "ReleaseInvalid", reason, cancellationToken).ConfigureAwait(false);
        }

        return ReconciliationResult.Success();
    }
}
