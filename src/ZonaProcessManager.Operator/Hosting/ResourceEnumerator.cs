using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Every key the operator must look at: each stored resource, plus the owner of every workload that runs, so that
/// containers whose document vanished while the operator was not watching are cleaned up too — and likewise every tenant
/// that still holds port allocations or integration services, so a tenant deleted while the operator was down is still
/// offboarded.
/// </summary>
public sealed class ResourceEnumerator(
    IServiceStore store, IIntegrationStore integrations, IWorkloadRuntime workloads, OperatorSettings settings, OperatorHealth health)
{
    /// <summary>
    /// Every key, with the services and workloads it was derived from (one store list, one Docker list). When the
    /// engine does not answer, the keys come from the store alone and <see cref="ResourceSnapshot.RuntimeUnreachable"/>
    /// says so: the services must still be looked at, if only to report the engine missing.
    /// </summary>
    public async Task<ResourceSnapshot> ListAllAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredService> services;
        try
        {
            services = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            health.StoreAnswered();
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            health.StoreUnreachable(exception.Message);
            throw;
        }

        IReadOnlyList<ObservedWorkload> workloadList;
        var runtimeUnreachable = false;
        try
        {
            workloadList = await workloads.ObserveAllAsync(cancellationToken).ConfigureAwait(false);
            health.RuntimeAnswered();
        }
        catch (ContainerRuntimeException exception) when (exception.Kind == ContainerRuntimeErrorKind.Unavailable)
        {
            health.RuntimeUnreachable(exception.Message);
            workloadList = [];
            runtimeUnreachable = true;
        }
        var keys = new HashSet<ResourceKey>(services.Select(s => s.Key));
        keys.UnionWith(workloadList.Select(w => w.Owner));

        var tenants = await integrations.ListTenantsAsync(cancellationToken).ConfigureAwait(false);
        var integrationSpecs = await integrations.ListIntegrationsAsync(tenant: null, cancellationToken).ConfigureAwait(false);
        var allocations = await integrations.ListPortAllocationsAsync(tenant: null, cancellationToken).ConfigureAwait(false);
        keys.UnionWith(integrationSpecs.Select(i => i.Key));
        keys.UnionWith(allocations.Select(a => IntegrationKeys.Integration(a.Tenant, a.Integration)));
        keys.UnionWith(services
            .Where(s => s.Spec?.Metadata.OwnerReferences.Any(o => o.Kind == IntegrationSpec.KindName) ?? false)
            .Select(s => IntegrationKeys.Tenant(s.Key.Tenant)));
        keys.UnionWith(tenants.Select(t => t.Key));
        keys.UnionWith(allocations.Select(a => IntegrationKeys.Tenant(a.Tenant)));
        keys.UnionWith(integrationSpecs.Select(i => IntegrationKeys.Tenant(i.Key.Tenant)));

        keys.RemoveWhere(key => !settings.Manages(key.Tenant));
        return new ResourceSnapshot(
            keys,
            services.ToDictionary(s => s.Key),
            workloadList.ToDictionary(w => w.Owner))
        {
            RuntimeUnreachable = runtimeUnreachable,
        };
    }
}

/// <param name="Keys">Every key the operator must look at, already limited to the tenants it manages.</param>
/// <param name="Services">The ServiceSpecs as listed, by key.</param>
/// <param name="WorkloadsByOwner">The workloads as listed, by the resource they run for.</param>
public sealed record ResourceSnapshot(
    IReadOnlyCollection<ResourceKey> Keys,
    IReadOnlyDictionary<ResourceKey, StoredService> Services,
    IReadOnlyDictionary<ResourceKey, ObservedWorkload> WorkloadsByOwner)
{
    /// <summary>The container engine did not answer: no workload is listed and no key comes from workloads.</summary>
    public bool RuntimeUnreachable { get; init; }

    /// <summary>What runs for <paramref name="owner"/> as listed (<see cref="ObservedWorkload.None"/> when nothing).</summary>
    public ObservedWorkload WorkloadOf(ResourceKey owner) => WorkloadsByOwner.GetValueOrDefault(owner) ?? ObservedWorkload.None(owner);
}
