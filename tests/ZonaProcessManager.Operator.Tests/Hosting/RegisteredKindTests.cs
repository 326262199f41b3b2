using System.Collections.Concurrent;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Kinds;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>
/// A kind the operator core knows nothing about, added with one registration line: its changes reach its reconciler
/// through its own queue, a resync enumerates its keys from its store, and a key of a kind nobody registered is refused
/// rather than handed to another kind's reconciler.
/// </summary>
public sealed class RegisteredKindTests : IAsyncLifetime
{
    private const string WidgetKind = "Widget";

    private readonly FakeServiceStore _store = new();
    private readonly FakeContainerRuntime _runtime = new(TimeProvider.System);
    private readonly FakeResourceWatcher _watcher = new();
    private readonly WidgetStore _widgets = new();
    private readonly CapturingLogger<ReconcileQueue> _queueLog = new();
    private IHost? _host;

    private ReconcileQueue Queue => _host!.Services.GetRequiredService<ReconcileQueue>();

    private WidgetReconciler Widgets => _host!.Services.GetRequiredService<WidgetReconciler>();

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(OperatorSettings? settings = null, Action<IServiceCollection>? registerMore = null)
    {
        var builder = OperatorApp.CreateBuilder(settings ?? new OperatorSettings(), services =>
        {
            services.AddSingleton<IServiceStore>(_store);
            services.AddSingleton<IEventRecorder>(_store);
            services.AddSingleton<IIntegrationStore>(new FakeIntegrationStore(_store));
            services.AddSingleton<IResourceWatcher>(_watcher);
            services.AddSingleton<IContainerRuntime>(_runtime);
            services.AddSingleton<IHostPortProbe>(new FakeHostPortProbe());
            services.AddSingleton<ILogger<ReconcileQueue>>(_queueLog);

            services.AddSingleton(_widgets);
            services.AddReconciler<WidgetReconciler>(WidgetKind, keySource: sp => sp.GetRequiredService<WidgetStore>());
            registerMore?.Invoke(services);
        });
        _host = builder.Build();
        await _host.StartAsync();
        await Eventually.TrueAsync(() => _host.Services.GetRequiredService<Resync>().LastPass is not null, "start-up resync done");
    }

    [Fact]
    public async Task A_changed_widget_is_reconciled_by_its_reconciler_through_its_own_queue()
    {
        await StartAsync();
        var widget = _widgets.Put("acme", "blue");

        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, widget));

        await Eventually.TrueAsync(() => Widgets.Reconciled.Contains(widget), "the widget reconciled");
        await Eventually.TrueAsync(() => Queue.For(WidgetKind).CompletedCount >= 1 && Queue.IsIdle, "the widget's queue ran it");
        Assert.Equal(0, Queue.For(ServiceSpec.KindName).CompletedCount);
        Assert.Equal([ServiceSpec.KindName, IntegrationSpec.KindName, Tenant.KindName, IntegrationDefinition.KindName, Release.KindName, WidgetKind],
            _host!.Services.GetRequiredService<KindRegistry>().Kinds);
    }

    [Fact]
    public async Task A_resync_enumerates_the_widgets_from_their_store_listed_once_per_pass()
    {
        var blue = _widgets.Put("acme", "blue");
        var red = _widgets.Put("acme", "red");
        await StartAsync();
        await Eventually.TrueAsync(() => Widgets.Reconciled.Contains(blue) && Widgets.Reconciled.Contains(red), "both widgets reconciled by the start-up resync");
        var green = _widgets.Put("acme", "green"); // no change event: only a resync finds it
        var listsBefore = _widgets.Lists;

        var pass = await _host!.Services.GetRequiredService<Resync>().RunOnceAsync("test", CancellationToken.None);

        Assert.Equal(1, _widgets.Lists - listsBefore);
        Assert.Equal(3, pass.Enqueued);
        await Eventually.TrueAsync(() => Widgets.Reconciled.Contains(green), "the widget found by the resync reconciled");
    }

    [Fact]
    public async Task A_widget_of_an_unmanaged_tenant_is_left_to_its_operator()
    {
        await StartAsync(new OperatorSettings { Tenants = new HashSet<string> { "mine" } });
        var theirs = _widgets.Put("theirs", "blue");
        var mine = _widgets.Put("mine", "blue");

        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, theirs));
        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, mine));

        await Eventually.TrueAsync(() => Widgets.Reconciled.Contains(mine), "own widget reconciled");
        Assert.DoesNotContain(theirs, Widgets.Reconciled);
    }

    [Fact]
    public async Task A_cluster_scoped_kind_reaches_an_operator_whatever_tenants_it_manages()
    {
        await StartAsync(
            new OperatorSettings { Tenants = new HashSet<string> { "mine" } },
            services => services.AddReconciler<WidgetReconciler>("ClusterWidget", clusterScoped: true));
        var shared = new ResourceKey("ClusterWidget", ResourceKey.DefaultTenant, "blue");

        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, shared));

        await Eventually.TrueAsync(() => Widgets.Reconciled.Contains(shared), "the cluster-scoped widget reconciled");
    }

    [Fact]
    public void A_kind_registered_twice_is_refused_at_registration()
    {
        var services = new ServiceCollection().AddZpmOperatorCore(new OperatorSettings());

        var error = Assert.Throws<InvalidOperationException>(() => services.AddReconciler<WidgetReconciler>(ServiceSpec.KindName));

        Assert.Contains(ServiceSpec.KindName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_of_an_unregistered_kind_is_refused_and_reaches_no_reconciler()
    {
        await StartAsync();
        var gadget = new ResourceKey("Gadget", "acme", "blue");
        var completedBefore = Queue.CompletedCount;

        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, gadget));
        await Eventually.TrueAsync(() => _queueLog.Logs.Any(l => l.Level == LogLevel.Error), "the refusal logged");
        var routed = await _host!.Services.GetRequiredService<ISender>().Send(new ReconcileRequest(gadget));

        Assert.Contains(_queueLog.Logs, l => l.Level == LogLevel.Error && l.Message.Contains("Gadget/acme/blue", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => Queue.For("Gadget"));
        Assert.True(routed.IsSuccess);
        Assert.True(Queue.IsIdle);
        Assert.Empty(Queue.Ready);
        Assert.Equal(completedBefore, Queue.CompletedCount);
        Assert.Empty(Widgets.Reconciled);
        Assert.Empty(_runtime.Calls);
        Assert.Empty(_store.Events);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    /// <summary>The widgets' store: a set of keys, listed by the resync like any other kind's store.</summary>
    private sealed class WidgetStore : IResourceKeySource
    {
        private readonly ConcurrentDictionary<ResourceKey, bool> _keys = new();
        private int _lists;

        public int Lists => Volatile.Read(ref _lists);

        public ResourceKey Put(string tenant, string name)
        {
            var key = new ResourceKey(WidgetKind, tenant, name);
            _keys[key] = true;
            return key;
        }

        public ValueTask<IEnumerable<ResourceKey>> ListKeysAsync(ResourceListing listing, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _lists);
            return ValueTask.FromResult<IEnumerable<ResourceKey>>([.. _keys.Keys]);
        }
    }

    /// <summary>Remembers every key it was asked to reconcile.</summary>
    private sealed class WidgetReconciler : IReconciler
    {
        private readonly ConcurrentQueue<ResourceKey> _reconciled = new();

        public IReadOnlyCollection<ResourceKey> Reconciled => [.. _reconciled];

        public Task<ReconciliationResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
        {
            _reconciled.Enqueue(key);
            return Task.FromResult(ReconciliationResult.Success());
        }
    }
}
