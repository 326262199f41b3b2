using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>
/// A second workload runtime, like a Swarm backend: it rolls and heals by itself, so its plan is one step ("apply the
/// service") whenever the running spec hash or task count differs, and applying runs the workload at once with one
/// running task per replica, spread over two nodes. Every apply and removal is recorded in order.
/// </summary>
public sealed class FakeWorkloadRuntime(TimeProvider time) : IWorkloadRuntime
{
    public static readonly IReadOnlyList<string> Nodes = ["node-a", "node-b"];

    private readonly ConcurrentDictionary<ResourceKey, ObservedWorkload> _workloads = new();
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];
    private readonly Channel<ContainerEvent> _events = Channel.CreateUnbounded<ContainerEvent>();

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public ObservedWorkload? WorkloadOf(ResourceKey owner) => _workloads.GetValueOrDefault(owner);

    public ValueTask PublishEventAsync(ContainerEvent containerEvent) => _events.Writer.WriteAsync(containerEvent);

    public ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now)
    {
        var problems = ServiceSpecValidator.Validate(desired.Service);
        if (problems.Count > 0)
        {
            return new ReconcilePlan([], new PlanOutcome(OutcomeKind.Invalid, PlanOutcome.Reasons.InvalidSpec, string.Join("; ", problems)), new ReplicaCounts(0, 0), null);
        }

        var spec = desired.Service.Spec;
        var wanted = spec.Suspended ? 0 : spec.Replicas;
        var running = observed.Replicas.Count(r => r.State == "running");
        if (observed.SpecHash == desired.SpecHash && observed.Replicas.Count == wanted && running == wanted)
        {
            return new ReconcilePlan([], new PlanOutcome(OutcomeKind.AllReady, PlanOutcome.Reasons.AllReplicasReady, $"{running} of {wanted} task(s) running"),
                new ReplicaCounts(wanted, running), null);
        }

        if (desired.UnreadyDependencies.Count > 0)
        {
            return new ReconcilePlan([], new PlanOutcome(OutcomeKind.WaitingForDependencies, PlanOutcome.Reasons.WaitingForDependencies, "waiting"),
                new ReplicaCounts(wanted, running), TimeSpan.FromSeconds(5));
        }

        return new ReconcilePlan([new ApplyService(desired.Owner, desired.SpecHash, wanted)],
            new PlanOutcome(OutcomeKind.Progressing, PlanOutcome.Reasons.Creating, $"Applying {wanted} task(s)"), new ReplicaCounts(wanted, running), TimeSpan.FromSeconds(2));
    }

    public Task<ObservedWorkload> ObserveAsync(ResourceKey owner, CancellationToken cancellationToken) =>
        Task.FromResult(_workloads.GetValueOrDefault(owner) ?? ObservedWorkload.None(owner));

    public Task<IReadOnlyList<ObservedWorkload>> ObserveAllAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ObservedWorkload>>([.. _workloads.Values]);

    public Task<WorkloadApplyResult> ApplyAsync(DesiredWorkload desired, ObservedWorkload observed, ReconcilePlan plan, CancellationToken cancellationToken)
    {
        foreach (var apply in plan.Actions.Cast<ApplyService>())
        {
            Record(apply.Describe());
            _workloads[apply.Owner] = new ObservedWorkload
            {
                Owner = apply.Owner,
                SpecHash = apply.SpecHash,
                ReportedCounts = new ReplicaCounts(apply.Replicas, apply.Replicas),
                Replicas = [.. Enumerable.Range(0, apply.Replicas).Select(slot => new WorkloadReplica(
                    $"task-{apply.SpecHash}-{slot}", $"{apply.Owner.Tenant}-{apply.Owner.Name}.{slot + 1}", slot, "running", "none",
                    Node: Nodes[slot % Nodes.Count], Endpoints: [$"10.0.0.{slot + 2}:8080"]))],
            };
        }

        var after = _workloads.GetValueOrDefault(desired.Owner) ?? ObservedWorkload.None(desired.Owner);
        // The service converges by itself, and no event would say so: plan once more, as the single-host runtime does after starts.
        return Task.FromResult(new WorkloadApplyResult(after, Followup: Plan(desired, after, time.GetUtcNow())));
    }

    public Task<WorkloadRemoval> RemoveAsync(ResourceKey owner, CancellationToken cancellationToken)
    {
        var found = _workloads.TryRemove(owner, out var removed) ? removed.Replicas.Count : 0;
        if (removed is not null)
        {
            Record($"remove {owner}");
        }

        var outcome = found == 0
            ? new PlanOutcome(OutcomeKind.Removed, PlanOutcome.Reasons.RemovalFinished, "Nothing runs")
            : new PlanOutcome(OutcomeKind.TearingDown, PlanOutcome.Reasons.Terminating, $"Removing {found} task(s)");
        return Task.FromResult(new WorkloadRemoval(found, outcome, ObservedWorkload.None(owner)));
    }

    public Task EnsureTenantNetworkAsync(string tenant, CancellationToken cancellationToken)
    {
        Record($"network {tenant}");
        return Task.CompletedTask;
    }

    public Task RemoveTenantNetworkAsync(string tenant, CancellationToken cancellationToken)
    {
        Record($"remove-network {tenant}");
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var containerEvent in _events.Reader.ReadAllAsync(cancellationToken))
        {
            yield return containerEvent;
        }
    }

    private void Record(string call)
    {
        lock (_gate)
        {
            _calls.Add(call);
        }
    }

    /// <summary>The fake backend's one step: run the service with this spec and this many tasks.</summary>
    public sealed record ApplyService(ResourceKey Owner, string SpecHash, int Replicas) : ReconcileAction
    {
        public override string Describe() => $"apply {Owner} {SpecHash} x{Replicas}";
    }
}
