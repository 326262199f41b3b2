using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// Runs services' workloads: the controllers' one view of where replicas run. The single-host implementation (the
/// operator's SingleHostWorkloadRuntime) creates, rolls and heals containers itself over <see cref="IContainerRuntime"/>;
/// a backend that rolls and heals by itself (Docker Swarm) plans little more than "update the service" and reports its
/// tasks. Engine failures are <see cref="ContainerRuntimeException"/>s (Kind Unavailable: the engine does not answer).
/// </summary>
public interface IWorkloadRuntime : IWorkloadPlanner
{
    /// <summary>What runs of <paramref name="owner"/>'s workload now (<see cref="ObservedWorkload.None"/> when nothing).</summary>
    Task<ObservedWorkload> ObserveAsync(ResourceKey owner, CancellationToken cancellationToken);

    /// <summary>
    /// Every workload the operator owns, listed once (the resync judges each service from it): one per owner, and only
    /// owners with something running.
    /// </summary>
    Task<IReadOnlyList<ObservedWorkload>> ObserveAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Carries out <paramref name="plan"/> (from <see cref="IWorkloadPlanner.Plan"/> on <paramref name="observed"/>) in
    /// order and reports what runs afterwards. Stops at the first engine error and reports it; anything else that goes
    /// wrong is a bug and propagates.
    /// </summary>
    Task<WorkloadApplyResult> ApplyAsync(DesiredWorkload desired, ObservedWorkload observed, ReconcilePlan plan, CancellationToken cancellationToken);

    /// <summary>Removes everything of <paramref name="owner"/>'s workload (named volumes stay); reports an engine error like Apply.</summary>
    Task<WorkloadRemoval> RemoveAsync(ResourceKey owner, CancellationToken cancellationToken);

    /// <summary>Makes sure the tenant's network (Tenant.NetworkNameFor) exists.</summary>
    Task EnsureTenantNetworkAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Removes the tenant's network; one already gone is not an error.</summary>
    Task RemoveTenantNetworkAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Changes to owned replicas (die, destroy, health_status, oom, start) until cancelled; reconnects by itself.</summary>
    IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken);
}
