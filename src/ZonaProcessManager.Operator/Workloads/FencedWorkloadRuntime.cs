using System.Globalization;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Workloads;

/// <summary>
/// Wraps the host's <see cref="IWorkloadRuntime"/> so that nothing changes on the runtime unless the store confirmed
/// this instance's leadership term within the renew deadline (<see cref="ILeadershipContext.IsConfirmed"/>): applying a
/// plan with steps, removing a workload and creating or removing a tenant network throw
/// <see cref="LeadershipFenceException"/> otherwise. A leader that was paused past its lease wakes up unconfirmed, so it
/// creates and removes nothing while the next leader works. Observing, planning and the event stream stay open: they
/// change nothing. The check is made once per call, before its first step.
/// </summary>
/// <remarks>
/// Containers created under a term carry its holder and generation (<see cref="ZpmLabels.Leader"/>,
/// <see cref="ZpmLabels.LeaderGeneration"/>), so Docker's own records (labels, events) say which leader created each.
/// Only the zpm.spec-hash label decides whether a container is current, so these labels never make the planner
/// replace one.
/// </remarks>
public sealed class FencedWorkloadRuntime(IWorkloadRuntime inner, ILeadershipContext leadership) : IWorkloadRuntime
{
    /// <summary>The runtime that carries out what the fence lets through.</summary>
    public IWorkloadRuntime Inner { get; } = inner;

    public ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now) => Inner.Plan(desired, observed, now);

    public Task<ObservedWorkload> ObserveAsync(ResourceKey owner, CancellationToken cancellationToken) => Inner.ObserveAsync(owner, cancellationToken);

    public Task<IReadOnlyList<ObservedWorkload>> ObserveAllAsync(CancellationToken cancellationToken) => Inner.ObserveAllAsync(cancellationToken);

    public IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken) => Inner.WatchEventsAsync(cancellationToken);

    public Task<WorkloadApplyResult> ApplyAsync(DesiredWorkload desired, ObservedWorkload observed, ReconcilePlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (!plan.HasActions)
        {
            return Inner.ApplyAsync(desired, observed, plan, cancellationToken);
        }

        var term = leadership.ConfirmedTerm(nameof(ApplyAsync));
        return Inner.ApplyAsync(desired, observed, Labelled(plan, term), cancellationToken);
    }

    public Task<WorkloadRemoval> RemoveAsync(ResourceKey owner, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(RemoveAsync));
        return Inner.RemoveAsync(owner, cancellationToken);
    }

    public Task EnsureTenantNetworkAsync(string tenant, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(EnsureTenantNetworkAsync));
        return Inner.EnsureTenantNetworkAsync(tenant, cancellationToken);
    }

    public Task RemoveTenantNetworkAsync(string tenant, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(RemoveTenantNetworkAsync));
        return Inner.RemoveTenantNetworkAsync(tenant, cancellationToken);
    }

    private static ReconcilePlan Labelled(ReconcilePlan plan, LeadershipTerm term) => plan with
    {
        Actions = [.. plan.Actions.Select(action => action switch
        {
            CreateReplica create => create with { Container = Labelled(create.Container, term) },
            ReplaceContainer replace => replace with { Replacement = Labelled(replace.Replacement, term) },
            _ => action,
        })],
    };

    private static DesiredContainer Labelled(DesiredContainer container, LeadershipTerm term) => container with
    {
        ExtraLabels = new Dictionary<string, string>(container.ExtraLabels, StringComparer.Ordinal)
        {
            [ZpmLabels.Leader] = term.Holder,
            [ZpmLabels.LeaderGeneration] = term.Generation.ToString(CultureInfo.InvariantCulture),
        },
    };
}
