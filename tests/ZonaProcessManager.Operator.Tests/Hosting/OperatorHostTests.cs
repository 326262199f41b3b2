using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>The whole host (Mediator, queue, loops) on fake ports: events flow from watcher and Docker to status.</summary>
public sealed class OperatorHostTests : IAsyncLifetime
{
    private readonly FakeServiceStore _store = new();
    private readonly FakeContainerRuntime _runtime = new(TimeProvider.System);
    private readonly FakeResourceWatcher _watcher = new();
    private IHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(OperatorSettings? settings = null)
    {
        settings ??= new OperatorSettings
        {
            LoopRetryInitial = TimeSpan.FromMilliseconds(10),
            LoopRetryMax = TimeSpan.FromMilliseconds(50),
            ProgressRequeueInterval = TimeSpan.FromMilliseconds(50),
        };
        var builder = OperatorApp.CreateBuilder(settings, services =>
        {
            services.RemoveAll<IServiceStore>();
            services.RemoveAll<IEventRecorder>();
            services.RemoveAll<IResourceWatcher>();
            services.RemoveAll<IContainerRuntime>();
            services.AddSingleton<IServiceStore>(_store);
            services.AddSingleton<IEventRecorder>(_store);
            services.AddSingleton<IResourceWatcher>(_watcher);
            services.AddSingleton<IContainerRuntime>(_runtime);
            services.RemoveAll<IIntegrationStore>();
            services.RemoveAll<IHostPortProbe>();
            services.AddSingleton<IIntegrationStore>(new FakeIntegrationStore(_store));
            services.AddSingleton<IHostPortProbe>(new FakeHostPortProbe());
        });
        _host = builder.Build();
        await _host.StartAsync();
    }

    [Fact]
    public async Task An_inserted_document_reported_by_the_watcher_ends_up_Running()
    {
        await StartAsync();
        var key = _store.Put(Service("web", replicas: 2));
        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, key));

        await Eventually.TrueAsync(() => _store.StatusOf(key)?.Phase == ResourcePhase.Running, "web Running");
        Assert.Equal(2, _runtime.ContainersOf(key).Count);
    }

    [Fact]
    public async Task A_relist_enqueues_every_document_and_the_owners_of_orphaned_containers()
    {
        await StartAsync();
        var orphan = _store.Put(Service("orphan"));
        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, orphan));
        await Eventually.TrueAsync(() => _runtime.ContainersOf(orphan).Count == 1, "orphan container exists");
        _store.Remove(orphan); // deleted while "the operator was not watching": no Deleted event will come
        var web = _store.Put(Service("web"));

        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Relist, null));

        await Eventually.TrueAsync(() => _store.StatusOf(web)?.Phase == ResourcePhase.Running, "web Running");
        await Eventually.TrueAsync(() => _runtime.ContainersOf(orphan).Count == 0, "orphan's container removed");
    }

    [Fact]
    public async Task A_docker_event_makes_the_owner_reconcile_and_heal()
    {
        await StartAsync();
        var key = _store.Put(Service("web"));
        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, key));
        await Eventually.TrueAsync(() => _store.StatusOf(key)?.Phase == ResourcePhase.Running, "web Running");
        var victim = _runtime.ContainersOf(key).Single();

        _runtime.RemoveBehindTheOperatorsBack(victim.Id);
        await _runtime.PublishEventAsync(new ContainerEvent(key, victim.Id, "destroy", DateTimeOffset.UtcNow));

        await Eventually.TrueAsync(() => _runtime.ContainersOf(key).Count == 1 && _runtime.ContainersOf(key)[0].Id != victim.Id, "replica recreated");
    }

    [Fact]
    public async Task A_broken_watch_is_restarted_and_changes_still_arrive()
    {
        _watcher.FailNextWatches(3);
        await StartAsync();
        await Eventually.TrueAsync(() => _watcher.WatchCount >= 4, "watch restarted after three failures");

        var key = _store.Put(Service("web"));
        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, key));

        await Eventually.TrueAsync(() => _store.StatusOf(key)?.Phase == ResourcePhase.Running, "web Running");
    }

    [Fact]
    public async Task The_periodic_resync_repairs_what_no_event_reported()
    {
        await StartAsync(new OperatorSettings { ResyncInterval = TimeSpan.FromMilliseconds(100) });
        await Eventually.TrueAsync(() => _store.ListCalls >= 1, "initial sync listed the store");
        var key = _store.Put(Service("web")); // no watch event at all

        await Eventually.TrueAsync(() => _store.StatusOf(key)?.Phase == ResourcePhase.Running, "web Running via resync");
    }

    [Fact]
    public async Task Containers_of_tenants_outside_the_operators_scope_are_never_touched()
    {
        var foreign = new ResourceKey(ServiceSpec.KindName, "someone-else", "db");
        await _runtime.CreateAndStartAsync(new DesiredContainer { Owner = foreign, Replica = 0, SpecHash = "h", Spec = new ServiceSpecBody { Image = Image } }, CancellationToken.None);
        await StartAsync(new OperatorSettings { Tenants = new HashSet<string> { "mine" } });
        var mine = _store.Put(Service("web", tenant: "mine"));

        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Relist, null));
        await _runtime.PublishEventAsync(new ContainerEvent(foreign, "x", "die", DateTimeOffset.UtcNow));

        await Eventually.TrueAsync(() => _store.StatusOf(mine)?.Phase == ResourcePhase.Running, "own service Running");
        Assert.Single(_runtime.ContainersOf(foreign));
        Assert.DoesNotContain(_runtime.Calls, c => c.StartsWith("remove", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
