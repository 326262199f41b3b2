using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Brings one IntegrationSpec to its desired state: host ports claimed, the child ServiceSpec written exactly as the
/// catalog and the tenant say (a hand edit is put back), and the child's phase mirrored into the integration's status.
/// The containers themselves are the ServiceReconciler's job, so integrations get rollouts, health checks and healing
/// from the core. Level-triggered: every call reads everything afresh.
/// </summary>
public sealed class IntegrationReconciler(
    IIntegrationStore store,
    IServiceStore services,
    IWorkloadRuntime workloads,
    IHostPortProbe hostPorts,
    IReconcileTrigger trigger,
    OperatorSettings settings,
    TimeProvider time,
    StatusPublisher publisher,
    BestEffortEventRecorder events,
    ILogger<IntegrationReconciler> logger)
    : IReconciler
{
    public async Task<ReconciliationResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var stored = await store.GetIntegrationAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            publisher.Gone(key);
        }

        return stored switch
        {
            null => await RemoveChildAsync(key, cancellationToken).ConfigureAwait(false),
            { Integration: null } => await ReportUnreadableAsync(stored, cancellationToken).ConfigureAwait(false),
            _ => await ConvergeAsync(stored, stored.Integration, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>
    /// The integration is gone: its child service goes first, and its host ports are released only once no container of
    /// the child is left — a port released earlier could be handed to another tenant while the old container still holds it.
    /// </summary>
    private async Task<ReconciliationResult> RemoveChildAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var childKey = IntegrationKeys.ChildService(key);
        var child = await services.GetAsync(childKey, cancellationToken).ConfigureAwait(false);
        if (child is not null && IsOwnedBy(child, key))
        {
            if (!child.DeletionRequested)
            {
                await store.RequestServiceDeletionAsync(childKey, cancellationToken).ConfigureAwait(false);
                logger.IntegrationDeletedRemovingService(childKey);
            }

            return ReconciliationResult.Success(settings.IntegrationRequeueInterval);
        }

        // Replicas under the child's name belong to the integration only when no one else's ServiceSpec has that name.
        var replicas = child is null ? (await workloads.ObserveAsync(childKey, cancellationToken).ConfigureAwait(false)).Replicas : [];
        if (replicas.Count > 0)
        {
            return ReconciliationResult.Success(settings.IntegrationRequeueInterval);
        }

        var tenant = await store.GetTenantAsync(key.Tenant, cancellationToken).ConfigureAwait(false);
        if (tenant is null or { DeletionRequested: true })
        {
            // The tenant's cascade releases its ports last, after its network: the order offboarding promises.
            trigger.Request([IntegrationKeys.Tenant(key.Tenant)], "integration of an offboarded tenant removed");
            return ReconciliationResult.Success();
        }

        var allocations = (await store.ListPortAllocationsAsync(key.Tenant, cancellationToken).ConfigureAwait(false))
            .Where(a => a.Integration == key.Name)
            .ToList();
        if (allocations.Count > 0)
        {
            await store.ReleasePortsAsync(allocations, cancellationToken).ConfigureAwait(false);
            logger.IntegrationPortsReleased(string.Join(", ", allocations.Select(a => a.Port)));
            await events.RecordAsync(key, EventType.Normal, "PortsReleased", $"Released host port(s) {string.Join(", ", allocations.Select(a => a.Port))}", cancellationToken)
                .ConfigureAwait(false);
        }

        trigger.Request([IntegrationKeys.Tenant(key.Tenant)], "integration removed");
        return ReconciliationResult.Success();
    }

    private async Task<ReconciliationResult> ReportUnreadableAsync(StoredIntegration stored, CancellationToken cancellationToken)
    {
        var status = IntegrationStatusMapper.ForUnreadableIntegration(stored.InvalidReason, time.GetUtcNow());
        await PublishAsync(stored, status, cancellationToken, alwaysRecount: true).ConfigureAwait(false);
        return ReconciliationResult.Success();
    }

    private async Task<ReconciliationResult> ConvergeAsync(StoredIntegration stored, IntegrationSpec integration, CancellationToken cancellationToken)
    {
        var key = stored.Key;
        var tenant = await store.GetTenantAsync(key.Tenant, cancellationToken).ConfigureAwait(false);
        var adoptedByDeletedTenant = tenant is null && stored.OwnerReferences.Any(o => o.Kind == Tenant.KindName && o.Name == key.Tenant);
        if (tenant is { DeletionRequested: true } || adoptedByDeletedTenant)
        {
            // The tenant's cascade deletes this integration (the tenant adopted it); nothing new may start meanwhile. A
            // deleted tenant document is offboarding too, not a "tenant does not exist" mistake to warn about.
            var removing = new IntegrationStatus
            {
                Phase = ResourcePhase.Removed,
                Message = adoptedByDeletedTenant ? $"Tenant {key.Tenant} was deleted; its integrations are being removed" : $"Tenant {key.Tenant} is being offboarded",
                UpdatedAt = time.GetUtcNow(),
            };
            await PublishAsync(stored, removing, cancellationToken).ConfigureAwait(false);
            return ReconciliationResult.Success();
        }

        if (tenant?.Tenant is not null && !stored.OwnerReferences.Any(o => o.Kind == Tenant.KindName && o.Uid == tenant.Uid))
        {
            // Adoption: from now on the integration belongs to this tenant and is garbage-collected with it.
            await store.SetIntegrationOwnerAsync(key, new OwnerReference(Tenant.KindName, key.Tenant, tenant.Uid), cancellationToken).ConfigureAwait(false);
        }

        var catalog = (await store.ListCatalogAsync(cancellationToken).ConfigureAwait(false))
            .Where(d => d.Definition is not null)
            .Select(d => d.Definition!)
            .ToList();
        var siblings = (await store.ListIntegrationsAsync(key.Tenant, cancellationToken).ConfigureAwait(false))
            .Where(i => i.Integration is not null)
            .Select(i => i.Integration!)
            .ToList();

        // Ports only for an integration that can run; a bad one must not hold ports (and first say everything else wrong).
        var precheck = IntegrationMaterializer.Materialize(integration, stored.Uid, tenant?.Tenant, catalog, siblings, AllPortsPlaceholder(integration, catalog));
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        var childKey = IntegrationKeys.ChildService(key);
        // Read once: the occupant check, the "unchanged" case below and the disabled case all need the same document.
        var existingChild = precheck.Kind is MaterializeKind.Service or MaterializeKind.NotWanted
            ? await services.GetAsync(childKey, cancellationToken).ConfigureAwait(false)
            : null;
        if (precheck.Kind == MaterializeKind.Service && existingChild is { } occupant && !IsOwnedBy(occupant, key))
        {
            // A user's own ServiceSpec already has the child's name: never take it over.
            var conflict = new IntegrationStatus
            {
                Phase = ResourcePhase.Degraded,
                Message = $"ServiceSpec {key.Tenant}/{key.Name} already exists and is not owned by this integration; rename the integration or remove that service",
                UpdatedAt = time.GetUtcNow(),
            };
            await PublishAsync(stored, conflict, cancellationToken).ConfigureAwait(false);
            return ReconciliationResult.Success();
        }

        if (precheck.Kind == MaterializeKind.Service)
        {
            var definition = catalog.Single(d => d.Spec.IntegrationId == integration.Spec.IntegrationId);
            var allocation = await AllocatePortsAsync(key, definition, cancellationToken).ConfigureAwait(false);
            if (allocation.Problem is { } problem)
            {
                var exhausted = new IntegrationStatus { Phase = ResourcePhase.Degraded, Message = problem, UpdatedAt = time.GetUtcNow() };
                await PublishAsync(stored, exhausted, cancellationToken).ConfigureAwait(false);
                // Ports may be freed by another tenant's offboarding; look again later rather than never.
                return ReconciliationResult.Success(settings.IntegrationRequeueInterval * 15);
            }

            ports = allocation.Ports;
        }

        var result = IntegrationMaterializer.Materialize(integration, stored.Uid, tenant?.Tenant, catalog, siblings, ports);
        StoredService? child = null;
        switch (result.Kind)
        {
            case MaterializeKind.Service:
                result = result with { Service = KeepingRestart(result.Service!, existingChild) };
                if (existingChild is { DeletionRequested: false, Spec: { } current } && IsOwnedBy(existingChild, key) && SameChild(current, result.Service!))
                {
                    // The usual case after the first pass (every mirror of the child's status): no write at all.
                    child = existingChild;
                }
                else if (await store.PutChildServiceAsync(result.Service!, cancellationToken).ConfigureAwait(false))
                {
                    logger.ChildServiceWritten(childKey, result.Service!.Spec.Image, string.Join(", ", result.Ports.Select(p => $"{p.Name}={p.Host}")));
                    child = await services.GetAsync(childKey, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Nothing written: the document read above is still what is stored, status included.
                    child = existingChild ?? await services.GetAsync(childKey, cancellationToken).ConfigureAwait(false);
                }

                break;
            case MaterializeKind.NotWanted:
                // Disabled: the service goes, the ports stay, so enabling it again brings it back on the same ports.
                if (existingChild is { DeletionRequested: false } existing && IsOwnedBy(existing, key))
                {
                    await store.RequestServiceDeletionAsync(childKey, cancellationToken).ConfigureAwait(false);
                }

                break;
            case MaterializeKind.Invalid:
                // Like an invalid ServiceSpec: say why, create nothing, leave a service that already runs alone.
                logger.IntegrationCannotRun(result.Message);
                break;
        }

        var status = IntegrationStatusMapper.ForIntegration(result, childKey.Name, child?.Status, time.GetUtcNow());
        if (result.Kind == MaterializeKind.Service && child?.Status is { } childStatus)
        {
            // The child's own messages can quote Docker errors; the integration's secret values never travel on.
            var secrets = result.SecretEnvNames.Where(result.Service!.Spec.Env.ContainsKey).Select(n => result.Service.Spec.Env[n]).ToList();
            status = status with { Message = SecretRedactor.RedactText(childStatus.Message ?? status.Message, secrets) };
        }

        await PublishAsync(stored, status, cancellationToken).ConfigureAwait(false);
        return ReconciliationResult.Success();
    }

    private sealed record PortAllocationResult(Dictionary<string, int> Ports, string? Problem);

    /// <summary>
    /// Each named port of the catalog entry keeps the host port it already holds, or claims a new one atomically in the
    /// store. A candidate that something outside zpm holds on the host is skipped with an event instead of being handed
    /// out and failing in Docker forever.
    /// </summary>
    private async Task<PortAllocationResult> AllocatePortsAsync(ResourceKey key, IntegrationDefinition definition, CancellationToken cancellationToken)
    {
        var mine = (await store.ListPortAllocationsAsync(key.Tenant, cancellationToken).ConfigureAwait(false))
            .Where(a => a.Integration == key.Name)
            .ToList();
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        IReadOnlyList<PortAllocation>? everyone = null;
        var unavailable = new HashSet<int>();
        foreach (var port in definition.Spec.Ports)
        {
            var owner = new PortOwner(key.Tenant, key.Name, port.Name);
            if (mine.FirstOrDefault(a => a.Owner == owner) is { } kept)
            {
                ports[port.Name] = kept.Port;
                continue;
            }

            // Only a new claim needs everyone's allocations: a stale snapshot just costs a lost race, never a duplicate.
            everyone ??= await store.ListPortAllocationsAsync(null, cancellationToken).ConfigureAwait(false);
            var choice = await PortAllocator.ClaimAsync(owner, everyone, unavailable, settings.IntegrationPorts,
                async (candidate, ct) =>
                {
                    if (!hostPorts.IsFree(candidate))
                    {
                        unavailable.Add(candidate);
                        await events.RecordAsync(key, EventType.Warning, "HostPortTaken", $"Host port {candidate} is in use by something outside zpm; skipped it for {owner}", ct)
                            .ConfigureAwait(false);
                        return new ClaimAttempt(ClaimResult.PortTaken);
                    }

                    return await store.TryClaimPortAsync(new PortAllocation(owner.Tenant, owner.Integration, owner.PortName, candidate), ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            if (choice.Port is not { } allocated)
            {
                await events.RecordAsync(key, EventType.Warning, "PortsExhausted", choice.Message, cancellationToken).ConfigureAwait(false);
                return new PortAllocationResult(ports, choice.Message);
            }

            ports[port.Name] = allocated;
            logger.PortAllocated(choice.Message);
            await events.RecordAsync(key, EventType.Normal, "PortAllocated", choice.Message, cancellationToken).ConfigureAwait(false);
        }

        return new PortAllocationResult(ports, null);
    }

    /// <summary>Stand-in host ports, so the pre-check reports every problem except "no port allocated yet".</summary>
    private static Dictionary<string, int> AllPortsPlaceholder(IntegrationSpec integration, IReadOnlyList<IntegrationDefinition> catalog) =>
        catalog.Where(d => d.Spec.IntegrationId == integration.Spec.IntegrationId)
            .SelectMany(d => d.Spec.Ports)
            .DistinctBy(p => p.Name, StringComparer.Ordinal)
            .ToDictionary(p => p.Name, _ => 0, StringComparer.Ordinal);

    /// <summary>
    /// The child as materialised, with the `zpm rollout restart` annotation the stored child carries: a user's restart of
    /// an integration's service is kept rather than written away (which would roll every replica a second time).
    /// </summary>
    private static ServiceSpec KeepingRestart(ServiceSpec desired, StoredService? existingChild)
    {
        if (existingChild?.Spec is not { } stored || RolloutRestart.Of(stored.Metadata) is not { } restartedAt)
        {
            return desired;
        }

        var annotations = new Dictionary<string, string>(desired.Metadata.Annotations, StringComparer.Ordinal) { [RolloutRestart.Annotation] = restartedAt };
        return desired with { Metadata = desired.Metadata with { Annotations = annotations } };
    }

    /// <summary>Everything PutChildServiceAsync writes, compared by content: equal means the write would change nothing.</summary>
    private static bool SameChild(ServiceSpec stored, ServiceSpec desired) =>
        SpecEquivalence.Equivalent(stored.Spec, desired.Spec)
        && stored.Metadata.OwnerReferences.SequenceEqual(desired.Metadata.OwnerReferences)
        && SameMap(stored.Metadata.Labels, desired.Metadata.Labels)
        && SameMap(stored.Metadata.Annotations, desired.Metadata.Annotations);

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var value) && value == entry.Value);

    private static bool IsOwnedBy(StoredService child, ResourceKey integration) =>
        child.Spec?.Metadata.OwnerReferences.Any(o => o.Kind == IntegrationSpec.KindName && o.Name == integration.Name) ?? false;

    /// <summary>
    /// Writes status only when a reader would see a difference, and lets the tenant recount only when its count can
    /// change: it counts (enabled, phase) per readable integration, so a new message alone while the child progresses
    /// does not cost a tenant reconcile. <paramref name="alwaysRecount"/>: the integration may have left the counted set.
    /// </summary>
    private async Task PublishAsync(StoredIntegration stored, IntegrationStatus next, CancellationToken cancellationToken, bool alwaysRecount = false)
    {
        var phaseChanged = stored.Status?.Phase != next.Phase;
        publisher.PhaseIs(stored.Key, next.Phase);
        IReadOnlyList<ResourceEvent> transitionEvents = phaseChanged
            ? [new ResourceEvent(stored.Key, next.Phase.ToString(), next.Message ?? "", next.Phase == ResourcePhase.Degraded ? EventType.Warning : EventType.Normal, time.GetUtcNow())]
            : [];
        if (!await publisher.PublishAsync(stored.Status, next, StatusComparer.SameContent, (status, token) => store.WriteIntegrationStatusAsync(stored.Key, status, token), transitionEvents, cancellationToken)
            .ConfigureAwait(false))
        {
            return;
        }

        if (phaseChanged)
        {
            logger.PhaseChanged(stored.Status?.Phase ?? ResourcePhase.Pending, next.Phase, next.Message);
        }

        // Both statuses mirror a materialised service: the integration was readable and enabled before and after.
        var sameCount = !alwaysRecount && stored.Status is { Service: not null } before && next.Service is not null && before.Phase == next.Phase;
        if (!sameCount)
        {
            trigger.Request([IntegrationKeys.Tenant(stored.Key.Tenant)], "integration status changed");
        }
    }
}
