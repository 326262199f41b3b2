using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Kinds;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Every key the operator must look at, as each registered kind's <see cref="IResourceKeySource"/> finds them in one
/// shared listing: each stored resource, plus what still points at a resource whose document vanished while the
/// operator was not watching (a container's owner, a tenant's port allocations), so that it is cleaned up too.
/// </summary>
public sealed class ResourceEnumerator(
    IServiceStore store, IIntegrationStore integrations, IWorkloadRuntime workloads, KindRegistry kinds, OperatorSettings settings, OperatorHealth health)
{
    /// <summary>
    /// Every key, with the services and workloads it was derived from (one list per collection, one Docker list). When the
    /// engine does not answer, the keys come from the store alone and <see cref="ResourceSnapshot.RuntimeUnreachable"/>
    /// says so: the services must still be looked at, if only to report the engine missing.
    /// </summary>
    public async Task<ResourceSnapshot> ListAllAsync(CancellationToken cancellationToken)
    {
        // The store's list and the engine's are independent, and at tens of thousands of services each takes seconds:
        // asked at once, a pass waits for the longer of the two rather than their sum.
        var storeList = ListServicesAsync(cancellationToken);
        var engineList = ObserveWorkloadsAsync(cancellationToken);
        // Both end before the pass goes on or fails (with the store's error first, when both failed).
        await Task.WhenAll(storeList, engineList).ConfigureAwait(false);
        var services = await storeList.ConfigureAwait(false);
        var (workloadList, runtimeUnreachable) = await engineList.ConfigureAwait(false);
        var tenants = await integrations.ListTenantsAsync(cancellationToken).ConfigureAwait(false);
        var integrationSpecs = await integrations.ListIntegrationsAsync(tenant: null, cancellationToken).ConfigureAwait(false);
        var allocations = await integrations.ListPortAllocationsAsync(tenant: null, cancellationToken).ConfigureAwait(false);
        var listing = new ResourceListing(services, workloadList, tenants, integrationSpecs, allocations);
        var keys = new HashSet<ResourceKey>();
        foreach (var registration in kinds.Registrations)
        {
            if (registration.KeySource is { } keySource)
            {
                keys.UnionWith(await keySource.ListKeysAsync(listing, cancellationToken).ConfigureAwait(false));
            }
        }

        keys.RemoveWhere(key => !settings.Manages(key.Tenant) && !kinds.IsClusterScoped(key.Kind));
        return new ResourceSnapshot(
            keys,
            services.ToDictionary(s => s.Key),
            workloadList.ToDictionary(w => w.Owner))
        {
            RuntimeUnreachable = runtimeUnreachable,
        };
    }

    private async Task<IReadOnlyList<StoredService>> ListServicesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var services = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            health.StoreAnswered();
            return services;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            health.StoreUnreachable(exception.Message);
            throw;
        }
    }

    // The engine's list, or none and true when the engine does not answer.
    private async Task<(IReadOnlyList<ObservedWorkload> Workloads, bool Unreachable)> ObserveWorkloadsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var observed = await workloads.ObserveAllAsync(cancellationToken).ConfigureAwait(false);
            health.RuntimeAnswered();
            return (observed, false);
        }
        catch (ContainerRuntimeException exception) when (exception.Kind == ContainerRuntimeErrorKind.Unavailable)
        {
            health.RuntimeUnreachable(exception.Message);
            return ([], true);
        }
    }
}
