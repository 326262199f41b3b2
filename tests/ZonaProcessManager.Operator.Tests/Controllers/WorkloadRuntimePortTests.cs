using ZonaProcessManager.Testing.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Revisions;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Workloads;
using ZonaProcessManager.Operator.Tests.Fakes;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Controllers;

/// <summary>
/// The controllers know only the workload runtime port: a second backend (<see cref="FakeWorkloadRuntime"/>, which runs a
/// workload at once as tasks on nodes, as Swarm would) drives services through their lifecycle with no change to them.
/// </summary>
public sealed class WorkloadRuntimePortTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly FakeServiceStore _store = new();
    private readonly FakeWorkloadRuntime _workloads;
    private readonly ServiceReconciler _reconciler;

    public WorkloadRuntimePortTests()
    {
        _workloads = new FakeWorkloadRuntime(_time);
        var events = new BestEffortEventRecorder(_store, _time, NullLogger<BestEffortEventRecorder>.Instance);
        _reconciler = new ServiceReconciler(_store, _workloads, new RecordingReconcileTrigger(), _time,
            new OperatorHealth(_time, NullLogger<OperatorHealth>.Instance), new StatusPublisher(events), events,
            new RevisionRecorder(new InMemoryRevisionStore(), new OperatorSettings(), _time), NullLogger<ServiceReconciler>.Instance);
    }

    private Task<Domain.Reconciliation.ReconciliationResult> ReconcileAsync(ResourceKey key) => _reconciler.ReconcileAsync(key, CancellationToken.None);

    [Fact]
    public async Task A_service_reaches_Running_with_its_tasks_reported_in_status()
    {
        var key = _store.Put(Service("web", replicas: 3));

        var result = await ReconcileAsync(key);

        Assert.True(result.IsSuccess);
        Assert.Null(result.RequeueAfter);
        var status = _store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Running, status.Phase);
        Assert.Equal(new ReplicaCounts(3, 3), status.Replicas);
        Assert.Equal(_workloads.WorkloadOf(key)!.Replicas.Select(r => r.Id), status.Containers.Select(c => c.Id));
        Assert.All(status.Containers, c => Assert.Equal("running", c.State));
        Assert.Equal(FakeWorkloadRuntime.Nodes, _workloads.WorkloadOf(key)!.Replicas.Select(r => r.Node).Distinct());
        Assert.Equal(["SpecApplied", "AllReplicasReady"], _store.Events.Select(e => e.Reason));
        Assert.Single(_workloads.Calls);

        var again = await ReconcileAsync(key);
        Assert.True(again.IsSuccess);
        Assert.Single(_workloads.Calls); // converged: nothing applied again
        Assert.True(_reconciler.IsSettled((await _store.GetAsync(key, CancellationToken.None))!, _workloads.WorkloadOf(key)!));
    }

    [Fact]
    public async Task A_spec_change_applies_the_workload_again()
    {
        var key = _store.Put(Service("web", replicas: 2));
        await ReconcileAsync(key);
        var changed = Service("web", replicas: 2, env: new Dictionary<string, string> { ["LEVEL"] = "debug" });
        _store.Put(changed);
        Assert.False(_reconciler.IsSettled((await _store.GetAsync(key, CancellationToken.None))!, _workloads.WorkloadOf(key)!));

        await ReconcileAsync(key);

        var newHash = SpecHasher.Hash(changed.Spec);
        Assert.Equal(2, _workloads.Calls.Count);
        Assert.Contains(newHash, _workloads.Calls[1], StringComparison.Ordinal);
        Assert.Equal(newHash, _workloads.WorkloadOf(key)!.SpecHash);
        var status = _store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Running, status.Phase);
        Assert.Equal(newHash, status.ObservedSpecHash);
    }

    [Fact]
    public async Task Deleting_a_service_removes_its_workload_and_its_document()
    {
        var key = _store.Put(Service("web", replicas: 2));
        await ReconcileAsync(key);

        _store.Put(Service("web", replicas: 2, deletionRequested: true));
        var result = await ReconcileAsync(key);

        Assert.True(result.IsSuccess);
        Assert.Null(_workloads.WorkloadOf(key));
        Assert.Equal($"remove {key}", _workloads.Calls[^1]);
        Assert.False(_store.Exists(key));
    }

    [Fact]
    public async Task A_document_deleted_outright_has_its_workload_removed()
    {
        var key = _store.Put(Service("web"));
        await ReconcileAsync(key);

        _store.Remove(key);
        await ReconcileAsync(key);

        Assert.Null(_workloads.WorkloadOf(key));
        Assert.Contains(_store.Events, e => e.Reason == "ContainersRemoved");
    }

    [Fact]
    public async Task A_host_given_its_own_workload_runtime_needs_no_container_runtime_and_runs_services_on_it()
    {
        var watcher = new FakeResourceWatcher();
        var settings = new OperatorSettings { LoopRetryInitial = TimeSpan.FromMilliseconds(10), LoopRetryMax = TimeSpan.FromMilliseconds(50) };
        var workloads = new FakeWorkloadRuntime(TimeProvider.System);
        using var host = OperatorApp.CreateBuilder(settings, services =>
        {
            services.AddSingleton<IServiceStore>(_store);
            services.AddSingleton<IEventRecorder>(_store);
            services.AddSingleton<IIntegrationStore>(new FakeIntegrationStore(_store));
            services.AddSingleton<IResourceWatcher>(watcher);
            services.AddSingleton<IHostPortProbe>(new FakeHostPortProbe());
            services.AddSingleton<IWorkloadRuntime>(workloads);
        }).Build();
        await host.StartAsync();
        try
        {
            var fenced = Assert.IsType<FencedWorkloadRuntime>(host.Services.GetRequiredService<IWorkloadRuntime>());
            Assert.Same(workloads, fenced.Inner);
            var key = _store.Put(Service("web", replicas: 2));
            await watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, key));

            await Eventually.TrueAsync(() => _store.StatusOf(key)?.Phase == ResourcePhase.Running, "web Running");
            Assert.Equal(2, _store.StatusOf(key)!.Containers.Count);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
