using ZonaProcessManager.Testing.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>
/// The whole host on fakes and a manual clock: a container that cannot start, or keeps crashing, is retried at the
/// queue's backoff (1 s doubling), although every attempt makes Docker report an event about the owner at once.
/// </summary>
public sealed class FailureBackoffTests : IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);

    // 1 s doubling within 60 s gives attempts at 0, 1, 3, 7, 15 and 31 s; a hot loop makes hundreds.
    private const int MaxAttemptsInWindow = 8;

    private readonly ManualTimeProvider _time = new();
    private readonly FakeServiceStore _store = new();
    private readonly FakeContainerRuntime _runtime;
    private readonly FakeResourceWatcher _watcher = new();
    private IHost? _host;

    public FailureBackoffTests() => _runtime = new FakeContainerRuntime(_time);

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_container_docker_creates_but_cannot_start_is_retried_with_backoff_and_a_fix_runs_at_once()
    {
        const string portTaken = "driver failed programming external connectivity: Bind for 127.0.0.1:18080 failed: port is already allocated";
        _runtime.StartErrorByImage[Image] = portTaken;
        var key = _store.Put(Service("web"));
        await StartAsync();

        await RunClockAsync(() => Creates(key));

        var creates = Creates(key);
        Assert.InRange(creates, 5, MaxAttemptsInWindow);
        var status = _store.StatusOf(key);
        Assert.Equal(ResourcePhase.Degraded, status?.Phase);
        Assert.Contains("port is already allocated", status?.Message, StringComparison.Ordinal);

        // The user frees the port and touches the document: that change does not wait out the backoff.
        _runtime.StartErrorByImage.Clear();
        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, key));
        await Eventually.TrueAsync(() => _store.StatusOf(key)?.Phase == ResourcePhase.Running, "web Running without the clock moving");
    }

    [Fact]
    public async Task A_crash_looping_replica_is_Degraded_CrashLoopBackOff_restarted_with_backoff_and_recovers_once_stable()
    {
        _runtime.CrashingImages[Image] = true;
        var key = _store.Put(Service("web"));
        await StartAsync();

        await RunClockAsync(() => Restarts(key));

        Assert.Equal(1, Creates(key));
        Assert.InRange(Restarts(key), 4, MaxAttemptsInWindow);
        var status = _store.StatusOf(key);
        Assert.Equal(ResourcePhase.Degraded, status?.Phase);
        Assert.Contains(status!.Conditions, c => c.Reason == PlanOutcome.Reasons.CrashLoopBackOff);
        Assert.Contains("exited with code 1", status.Message, StringComparison.Ordinal);

        // Fixed (e.g. what it needed came up): the next restart runs, the retry after it finds it Running, and the
        // backoff is forgotten.
        _runtime.CrashingImages.Clear();
        var queue = _host!.Services.GetRequiredService<ReconcileQueue>().For(ServiceSpec.KindName);
        for (var i = 0; i < 20 && _store.StatusOf(key)?.Phase != ResourcePhase.Running; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            await Eventually.TrueAsync(() => queue.IsIdle, "queue idle");
        }

        Assert.Equal(ResourcePhase.Running, _store.StatusOf(key)?.Phase);
        Assert.DoesNotContain(key, queue.Snapshot().ConsecutiveFailures.Keys);
    }

    private int Creates(ResourceKey key) =>
        _runtime.Calls.Count(c => c.StartsWith($"create zpm-{key.Tenant}-{key.Name}-", StringComparison.Ordinal));

    private int Restarts(ResourceKey key) =>
        _runtime.Calls.Count(c => c.StartsWith($"restart zpm-{key.Tenant}-{key.Name}-", StringComparison.Ordinal));

    /// <summary>Moves the clock through the window in small steps, letting the queue finish what each step made due.</summary>
    private async Task RunClockAsync(Func<int> attempts)
    {
        var queue = _host!.Services.GetRequiredService<ReconcileQueue>();
        for (var elapsed = TimeSpan.Zero; elapsed < Window; elapsed += Step)
        {
            // A hot loop never leaves the queue idle; stop it as soon as it has shown itself.
            await Eventually.TrueAsync(() => queue.IsIdle || attempts() > MaxAttemptsInWindow, "queue idle");
            Assert.InRange(attempts(), 0, MaxAttemptsInWindow);
            _time.Advance(Step);
        }

        await Eventually.TrueAsync(() => queue.IsIdle || attempts() > MaxAttemptsInWindow, "queue idle");
    }

    private async Task StartAsync()
    {
        var settings = new OperatorSettings { BackoffJitter = 0 };
        var builder = OperatorApp.CreateBuilder(settings, services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddFakePorts(_store, _watcher, _runtime);
            services.AddSingleton<TimeProvider>(_time);
        });
        _host = builder.Build();
        await _host.StartAsync();
        var resync = _host.Services.GetRequiredService<Resync>();
        await Eventually.TrueAsync(() => resync.LastPass is not null, "start-up resync enqueued the service");
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
