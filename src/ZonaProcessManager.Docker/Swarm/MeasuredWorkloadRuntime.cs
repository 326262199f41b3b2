using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// An <see cref="IWorkloadRuntime"/> (the Swarm one) that counts and times every call of the one it wraps
/// (<see cref="DockerRequestMetrics"/>, operations prefixed "service_"). Planning asks nothing of the engine and the
/// event stream is one long-lived request: both are passed through.
/// </summary>
public sealed class MeasuredWorkloadRuntime(IWorkloadRuntime inner, DockerRequestMetrics metrics) : IWorkloadRuntime
{
    public ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now) => inner.Plan(desired, observed, now);

    public Task<ObservedWorkload> ObserveAsync(ResourceKey owner, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("service_observe", () => inner.ObserveAsync(owner, cancellationToken));

    public Task<IReadOnlyList<ObservedWorkload>> ObserveAllAsync(CancellationToken cancellationToken) =>
        metrics.MeasureAsync("service_observe_all", () => inner.ObserveAllAsync(cancellationToken));

    public Task<WorkloadApplyResult> ApplyAsync(DesiredWorkload desired, ObservedWorkload observed, ReconcilePlan plan, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("service_apply", () => inner.ApplyAsync(desired, observed, plan, cancellationToken));

    public Task<WorkloadRemoval> RemoveAsync(ResourceKey owner, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("service_remove", () => inner.RemoveAsync(owner, cancellationToken));

    public Task EnsureTenantNetworkAsync(string tenant, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("ensure_network", () => inner.EnsureTenantNetworkAsync(tenant, cancellationToken));

    public Task RemoveTenantNetworkAsync(string tenant, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("remove_network", () => inner.RemoveTenantNetworkAsync(tenant, cancellationToken));

    public IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken) => inner.WatchEventsAsync(cancellationToken);
}
