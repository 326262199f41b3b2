using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>
/// dockerd stops answering while every service is settled: the statuses must say so within seconds (not show healthy
/// containers nobody can see) and come back once the engine answers; the operator's health follows.
/// </summary>
public sealed class RuntimeUnreachableTests : IAsyncLifetime
{
    private const string EngineDown = "Docker Engine unreachable (Connection refused); is dockerd running?";

    private readonly FakeServiceStore _store = new();
    private readonly FakeContainerRuntime _runtime = new(TimeProvider.System);
    private readonly FakeResourceWatcher _watcher = new();
    private IHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    private OperatorHealth Health => _host!.Services.GetRequiredService<OperatorHealth>();

    private async Task StartAsync()
    {
        var settings = new OperatorSettings
        {
            LoopRetryInitial = TimeSpan.FromMilliseconds(10),
            LoopRetryMax = TimeSpan.FromMilliseconds(50),
            RuntimeProbeInterval = TimeSpan.FromMilliseconds(50),
        };
        _host = OperatorApp.CreateBuilder(settings, services =>
        {
            services.AddFakePorts(_store, _watcher, _runtime);
        }).Build();
        await _host.StartAsync();
    }

    private void StopEngine()
    {
        _runtime.BeforeList = (_, _) => Task.FromException(
            new ContainerRuntimeException("list containers", "zpm.managed=true", ContainerRuntimeErrorKind.Unavailable, EngineDown));
        _runtime.BreakEventStream(new ContainerRuntimeException("events", "", ContainerRuntimeErrorKind.Unavailable, EngineDown));
    }

    private static Condition? RuntimeCondition(ServiceStatus? status) => ConditionSet.Find(status?.Conditions, ConditionTypes.RuntimeReachable);

    [Fact]
    public async Task A_settled_service_reports_the_engine_unreachable_and_recovers_when_it_answers_again()
    {
        _store.Put(Service("web", replicas: 2));
        await StartAsync();
        var web = new ResourceKey(ServiceSpec.KindName, ResourceKey.DefaultTenant, "web");
        await Eventually.TrueAsync(() => _store.StatusOf(web)?.Phase == ResourcePhase.Running, "web Running");
        await Eventually.TrueAsync(() => Health.IsReady, "operator ready");
        Assert.Null(RuntimeCondition(_store.StatusOf(web)));

        StopEngine();

        await Eventually.TrueAsync(() => RuntimeCondition(_store.StatusOf(web)) is { Status: false }, "web says the engine is unreachable");
        var down = _store.StatusOf(web)!;
        var condition = RuntimeCondition(down)!;
        Assert.Equal("EngineUnreachable", condition.Reason);
        Assert.Contains(EngineDown, condition.Message);
        Assert.Contains(EngineDown, down.Message);
        Assert.Contains(EngineDown, down.LastError);
        Assert.Equal(ResourcePhase.Running, down.Phase); // unknown is not broken: the phase stays as last seen
        Assert.False(Health.Snapshot().Runtime.Reachable);
        Assert.False(Health.IsReady);

        _runtime.BeforeList = null;

        await Eventually.TrueAsync(() => RuntimeCondition(_store.StatusOf(web)) is { Status: true }, "web says the engine answers again");
        var up = _store.StatusOf(web)!;
        Assert.Equal(ResourcePhase.Running, up.Phase);
        Assert.Null(up.LastError);
        Assert.DoesNotContain("unreachable", up.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(RuntimeCondition(up)!.LastTransitionTime > condition.LastTransitionTime);
        Assert.True(Health.IsReady);
        Assert.Equal(2, _runtime.ContainersOf(web).Count);
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
