using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;

namespace ZonaProcessManager.Operator.Workloads;

/// <summary>
/// The workload runtime on one container engine: zpm itself creates, rolls and heals the containers. The domain's
/// <see cref="ReconcilePlanner"/> plans, <see cref="ContainerPlanExecutor"/> runs the plan over <see cref="IContainerRuntime"/>;
/// the replicas it reports are the containers.
/// </summary>
/// <remarks>
/// Takes a plain <see cref="ILogger"/>: its lines (one per Docker step) are the reconcile's own, so a host passes the
/// logger of this type and a test may pass the reconciler's.
/// </remarks>
public sealed class SingleHostWorkloadRuntime(
    IContainerRuntime runtime, ReconcilePlanner planner, ExpectedContainerStarts expectedStarts, TimeProvider time, ILogger logger)
    : IWorkloadRuntime
{
    private readonly ContainerPlanExecutor _executor = new(runtime, expectedStarts, logger);
    private readonly OwnedContainerIndex _index = new();

    public ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now) => planner.Plan(desired, observed, now);

    /// <summary>
    /// One owner's containers: inspected by id when the index knows some (a list costs the engine a walk over every
    /// container it holds, 1.5 s at 10 000 containers), listed otherwise. An owner the index knows
    /// no container of is still listed: that is a service about to get its first container, whose create costs more
    /// than the list, and a list is the only call that sees a container the index could have missed.
    /// </summary>
    public async Task<ObservedWorkload> ObserveAsync(ResourceKey owner, CancellationToken cancellationToken) =>
        ObservedWorkload.OfContainers(owner, await ContainersOfAsync(owner, cancellationToken).ConfigureAwait(false));

    private async Task<IReadOnlyList<ObservedContainer>> ContainersOfAsync(ResourceKey owner, CancellationToken cancellationToken)
    {
        if (_index.KnownIds(owner) is { Count: > 0 } known)
        {
            var inspected = await runtime.InspectAsync(known, cancellationToken).ConfigureAwait(false);
            _index.Observed(owner, known, inspected, listed: false);
            return inspected;
        }

        var listed = await runtime.ListAsync(owner, cancellationToken).ConfigureAwait(false);
        _index.Observed(owner, [], listed, listed: true);
        return listed;
    }

    public async Task<IReadOnlyList<ObservedWorkload>> ObserveAllAsync(CancellationToken cancellationToken)
    {
        var epoch = _index.BeginFullList();
        var containers = await runtime.ListAsync(owner: null, cancellationToken).ConfigureAwait(false);
        _index.CompleteFullList(epoch, containers);
        return [.. containers.GroupBy(c => c.Owner).Select(group => ObservedWorkload.OfContainers(group.Key, group))];
    }

    public async Task<WorkloadApplyResult> ApplyAsync(
        DesiredWorkload desired, ObservedWorkload observed, ReconcilePlan plan, CancellationToken cancellationToken)
    {
        if (!plan.HasActions)
        {
            return WorkloadApplyResult.NothingDone(observed);
        }

        PlanExecution execution;
        try
        {
            execution = await _executor.ExecuteAsync(desired.Owner, plan.Actions, desired.SecretValues, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A plan cut short (fence, cancellation, engine gone) may have created containers it did not report.
            _index.Doubt(desired.Owner);
            throw;
        }

        _index.Added(desired.Owner, execution.Started);
        if (execution.Error is not null)
        {
            // A name conflict here would mean a container the index never saw: the retry lists.
            _index.Doubt(desired.Owner);
        }

        var after = await ObserveAfterAsync(desired.Owner, plan, execution, observed, cancellationToken).ConfigureAwait(false);
        // Replicas this run started send start events that wake no one (ExpectedContainerStarts), so what they lead to
        // (the next rollout step, or Running) is planned now.
        var followup = execution.Error is null && execution.Started.Count > 0 ? Plan(desired, after, time.GetUtcNow()) : null;
        return new WorkloadApplyResult(after, execution.Error, execution.FailedStep, followup);
    }

    /// <summary>
    /// The containers after the plan ran. A plan that only added replicas (the whole of an onboarding) left the ones it
    /// saw alone, so the new ones are inspected by id; anything else lists again. A list makes dockerd walk every
    /// container it has (the second list per create cost 36-46 s of a 500-service onboarding). A seen container that
    /// changed meanwhile comes with its own Docker event, which reconciles again.
    /// </summary>
    private async Task<ObservedWorkload> ObserveAfterAsync(
        ResourceKey key, ReconcilePlan plan, PlanExecution execution, ObservedWorkload observed, CancellationToken cancellationToken)
    {
        if (execution.Error is null && plan.Actions.All(action => action is EnsureNetwork or EnsureVolume or CreateReplica))
        {
            var started = await runtime.InspectAsync(execution.Started, cancellationToken).ConfigureAwait(false);
            return ObservedWorkload.OfContainers(key, observed.Containers.Concat(started));
        }

        return await ObserveAsync(key, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WorkloadRemoval> RemoveAsync(ResourceKey owner, CancellationToken cancellationToken)
    {
        var observed = await ContainersOfAsync(owner, cancellationToken).ConfigureAwait(false);
        var plan = planner.PlanTeardown(observed);
        if (!plan.HasActions)
        {
            return new WorkloadRemoval(observed.Count, plan.Outcome, ObservedWorkload.OfContainers(owner, observed));
        }

        var execution = await _executor.ExecuteAsync(owner, plan.Actions, secretValues: [], cancellationToken).ConfigureAwait(false);
        if (execution.Error is not { } error)
        {
            return new WorkloadRemoval(observed.Count, plan.Outcome, ObservedWorkload.None(owner));
        }

        var remaining = await ObserveAsync(owner, cancellationToken).ConfigureAwait(false);
        return new WorkloadRemoval(observed.Count, plan.Outcome, remaining, error, execution.FailedStep);
    }

    public Task EnsureTenantNetworkAsync(string tenant, CancellationToken cancellationToken) =>
        runtime.EnsureNetworkAsync(Tenant.NetworkNameFor(tenant), TenantNetworkLabels(tenant), cancellationToken);

    public Task RemoveTenantNetworkAsync(string tenant, CancellationToken cancellationToken) =>
        runtime.RemoveNetworkAsync(Tenant.NetworkNameFor(tenant), cancellationToken);

    /// <summary>The engine's events, each noted in the index before the operator acts on it.</summary>
    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _index.StreamStarted();
        try
        {
            await foreach (var containerEvent in runtime.WatchEventsAsync(cancellationToken).ConfigureAwait(false))
            {
                _index.Seen(containerEvent);
                yield return containerEvent;
            }
        }
        finally
        {
            _index.StreamStopped();
        }
    }

    private static Dictionary<string, string> TenantNetworkLabels(string tenant) => new()
    {
        [ZpmLabels.Managed] = "true",
        [ZpmLabels.Tenant] = tenant,
        [ZpmLabels.Kind] = Tenant.KindName,
        [ZpmLabels.Name] = tenant,
    };
}
