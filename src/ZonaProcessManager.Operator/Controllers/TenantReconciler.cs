using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// One tenant: its network, its integrations following its suspension, its status counting them — and, once the tenant
/// document is deleted or offboarding is requested, the cascade integrations → services → containers → network → port
/// allocations, one stage at a time (TenantCascadePlanner), with phase Removed on the document until nothing is left.
/// </summary>
/// <remarks>
/// What a deleted tenant takes with it follows Kubernetes' owner-reference garbage collection: only IntegrationSpecs the
/// tenant adopted (metadata.ownerReferences names its uid) are deleted. An IntegrationSpec written before its tenant
/// exists is never adopted, so it stays with a clear "tenant does not exist" status instead of silently vanishing.
/// Plain ServiceSpecs a user wrote for the tenant are not the tenant's to delete and are left alone.
/// </remarks>
public sealed class TenantReconciler(
    IIntegrationStore store,
    IWorkloadRuntime workloads,
    IReconcileTrigger trigger,
    OperatorSettings settings,
    TimeProvider time,
    StatusPublisher publisher,
    BestEffortEventRecorder events,
    ILogger<TenantReconciler> logger)
    : IReconciler
{
    /// <summary>Stages that finish within one reconcile; the ones that wait for Docker end it with a requeue.</summary>
    private const int MaxStagesPerReconcile = 6;

    public async Task<ReconciliationResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var code = key.Name;
        var stored = await store.GetTenantAsync(code, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            publisher.Gone(key);
        }

        return stored switch
        {
            null or { DeletionRequested: true } => await CascadeAsync(code, stored, cancellationToken).ConfigureAwait(false),
            { Tenant: null } => await ReportUnreadableAsync(stored, cancellationToken).ConfigureAwait(false),
            _ => await ConvergeAsync(stored, stored.Tenant, cancellationToken).ConfigureAwait(false),
        };
    }

    private async Task<ReconciliationResult> ConvergeAsync(StoredTenant stored, Tenant tenant, CancellationToken cancellationToken)
    {
        var key = stored.Key;
        try
        {
            await workloads.EnsureTenantNetworkAsync(tenant.Code, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException failure)
        {
            // E.g. Docker's address pools are used up (about 30 networks with its defaults): say so on the tenant, not
            // only in the log, and retry with backoff.
            await PublishAsync(stored, (stored.Status ?? new TenantStatus()) with
            {
                Phase = ResourcePhase.Degraded,
                Message = $"network {tenant.NetworkName} cannot be created: {failure.EngineMessage}",
                UpdatedAt = time.GetUtcNow(),
            }, cancellationToken).ConfigureAwait(false);
            return ReconciliationResult.Failure(failure.Message);
        }

        var integrations = await store.ListIntegrationsAsync(tenant.Code, cancellationToken).ConfigureAwait(false);
        var children = (await store.ListChildServicesAsync(tenant.Code, cancellationToken).ConfigureAwait(false))
            .Where(c => c.Spec is not null)
            .ToDictionary(c => c.Key.Name, StringComparer.Ordinal);

        // The tenant adopts its integrations itself (as a ReplicaSet adopts its pods): onboarding writes tenants first, so
        // this usually lands while the integration still waits in the queue, and the follow-up asked for below collapses
        // into that entry. The adoption write itself wakes no one: the watcher treats ownerReferences as operator-owned.
        var unadopted = integrations
            .Where(i => i.Integration is not null && !i.OwnerReferences.Any(o => o.Kind == Tenant.KindName && o.Uid == stored.Uid))
            .Select(i => i.Key)
            .ToList();
        foreach (var integration in unadopted)
        {
            await store.SetIntegrationOwnerAsync(integration, new OwnerReference(Tenant.KindName, tenant.Code, stored.Uid), cancellationToken).ConfigureAwait(false);
        }

        // Level-triggered follow-up: integrations just adopted, or whose service does not follow the tenant's suspension,
        // look again (their reconcile writes the child; this only asks).
        var stale = integrations
            .Where(i => i.Integration is not null)
            .Where(i => unadopted.Contains(i.Key)
                || (children.TryGetValue(i.Key.Name, out var child) && child.Spec!.Spec.Suspended != tenant.Spec.Suspended))
            .Select(i => i.Key)
            .ToList();
        if (stale.Count > 0)
        {
            trigger.Request(stale, tenant.Spec.Suspended ? "tenant suspended" : "tenant changed");
        }

        var counts = integrations
            .Where(i => i.Integration is not null)
            .Select(i => (Enabled: i.Integration!.Spec.Enabled, Phase: i.Status?.Phase ?? ResourcePhase.Pending))
            .ToList();
        var status = IntegrationStatusMapper.ForTenant(tenant, counts, deleting: false, time.GetUtcNow());
        if (tenant.Spec.Suspended && status.Phase == ResourcePhase.Creating)
        {
            // Suspended services run 0 replicas, which the core reports as Running once scaled down.
            status = status with { Message = $"Suspended: {counts.Count(c => c.Enabled)} integration(s) scaled to 0" };
        }

        await PublishAsync(stored, status, cancellationToken).ConfigureAwait(false);
        return ReconciliationResult.Success();
    }

    private async Task<ReconciliationResult> ReportUnreadableAsync(StoredTenant stored, CancellationToken cancellationToken)
    {
        var status = IntegrationStatusMapper.ForUnreadableTenant(stored.InvalidReason, time.GetUtcNow());
        await PublishAsync(stored, status, cancellationToken).ConfigureAwait(false);
        return ReconciliationResult.Success();
    }

    private async Task<ReconciliationResult> CascadeAsync(string code, StoredTenant? stored, CancellationToken cancellationToken)
    {
        var key = IntegrationKeys.Tenant(code);
        var networkRemoved = false;
        for (var stage = 0; stage < MaxStagesPerReconcile; stage++)
        {
            var inventory = await TakeInventoryAsync(code, stored, networkRemoved, cancellationToken).ConfigureAwait(false);
            var step = TenantCascadePlanner.Next(inventory);
            if (stored is null && step.Kind == CascadeStepKind.DeleteTenant)
            {
                // Nothing left and no document: the usual state of a tenant that never had integrations here.
                return ReconciliationResult.Success();
            }

            if (stored is not null)
            {
                await PublishAsync(stored, new TenantStatus
                {
                    Phase = ResourcePhase.Removed,
                    Network = Tenant.NetworkNameFor(code),
                    Message = step.Message,
                    UpdatedAt = time.GetUtcNow(),
                }, cancellationToken).ConfigureAwait(false);
            }

            if (step.Kind != CascadeStepKind.WaitForContainers)
            {
                logger.TenantOffboarding(step.Message);
                await events.RecordAsync(key, EventType.Normal, step.Kind.ToString(), step.Message, cancellationToken).ConfigureAwait(false);
            }
            switch (step.Kind)
            {
                case CascadeStepKind.DeleteIntegrations:
                    foreach (var name in step.Targets)
                    {
                        await store.DeleteIntegrationAsync(IntegrationKeys.Integration(code, name), cancellationToken).ConfigureAwait(false);
                    }

                    // The watcher would tell the integrations' reconcilers too; asking directly saves a round trip.
                    trigger.Request(step.Targets.Select(name => IntegrationKeys.Integration(code, name)), "tenant offboarding");
                    break;
                case CascadeStepKind.DeleteServices:
                    foreach (var name in step.Targets)
                    {
                        await store.RequestServiceDeletionAsync(new ResourceKey(ServiceSpec.KindName, code, name), cancellationToken).ConfigureAwait(false);
                    }

                    return ReconciliationResult.Success(settings.IntegrationRequeueInterval);
                case CascadeStepKind.WaitForContainers:
                    return ReconciliationResult.Success(settings.IntegrationRequeueInterval);
                case CascadeStepKind.RemoveNetwork:
                    await workloads.RemoveTenantNetworkAsync(code, cancellationToken).ConfigureAwait(false);
                    networkRemoved = true;
                    break;
                case CascadeStepKind.ReleasePorts:
                    await store.ReleasePortsAsync(inventory.PortAllocations, cancellationToken).ConfigureAwait(false);
                    break;
                case CascadeStepKind.DeleteTenant:
                    await store.DeleteTenantAsync(code, cancellationToken).ConfigureAwait(false);
                    logger.TenantOffboarded();
                    return ReconciliationResult.Success();
            }
        }

        return ReconciliationResult.Success(settings.IntegrationRequeueInterval);
    }

    /// <summary>What of the tenant is still there. Only what belongs to its integrations counts (see the remarks).</summary>
    private async Task<TenantInventory> TakeInventoryAsync(string code, StoredTenant? stored, bool networkRemoved, CancellationToken cancellationToken)
    {
        var integrations = (await store.ListIntegrationsAsync(code, cancellationToken).ConfigureAwait(false))
            .Where(i => stored is not null || i.OwnerReferences.Any(o => o.Kind == Tenant.KindName && o.Name == code))
            .Select(i => i.Key.Name)
            .ToList();
        var children = await store.ListChildServicesAsync(code, cancellationToken).ConfigureAwait(false);
        var allocations = await store.ListPortAllocationsAsync(code, cancellationToken).ConfigureAwait(false);

        // Replicas of the tenant's integration services: named by a child service or by an integration holding ports.
        var names = new HashSet<string>(children.Select(c => c.Key.Name), StringComparer.Ordinal);
        names.UnionWith(integrations);
        names.UnionWith(allocations.Select(a => a.Integration));
        // Per owner, not the whole host: listing inspects every container it returns, and every offboarding stage looks again.
        var containers = 0;
        foreach (var name in names)
        {
            containers += (await workloads.ObserveAsync(new ResourceKey(ServiceSpec.KindName, code, name), cancellationToken).ConfigureAwait(false)).Replicas.Count;
        }

        // A service already asked to go is waited for like its containers, not deleted again.
        var pendingServices = children.Where(c => !c.DeletionRequested).Select(c => c.Key.Name).ToList();
        var deletingServices = children.Count(c => c.DeletionRequested);
        return new TenantInventory(code, integrations, pendingServices, containers + deletingServices, NetworkExists: !networkRemoved, allocations);
    }

    private async Task PublishAsync(StoredTenant stored, TenantStatus next, CancellationToken cancellationToken)
    {
        // A tenant's phase changes are logged, not recorded: its events are the offboarding steps.
        publisher.PhaseIs(stored.Key, next.Phase);
        var written = await publisher.PublishAsync(stored.Status, next, StatusComparer.SameContent, (status, token) => store.WriteTenantStatusAsync(stored.Key.Name, status, token), [], cancellationToken)
            .ConfigureAwait(false);
        if (written && stored.Status?.Phase != next.Phase)
        {
            logger.PhaseChanged(stored.Status?.Phase ?? ResourcePhase.Pending, next.Phase, next.Message);
        }
    }
}
