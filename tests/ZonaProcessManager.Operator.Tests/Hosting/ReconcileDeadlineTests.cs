using ZonaProcessManager.Testing.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>
/// A reconcile that never returns (an engine that stopped answering) must not hold its worker: it is cancelled at
/// ReconcileTimeout, reported, retried with backoff, and the other resources carry on. The host runs on a manual clock
/// with ONE worker, so "the others carry on" can only happen through the deadline.
/// </summary>
public sealed class ReconcileDeadlineTests : IAsyncLifetime
{
    private static readonly TimeSpan ReconcileTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    private readonly ManualTimeProvider _time = new();
    private readonly FakeServiceStore _store = new();
    private readonly FakeResourceWatcher _watcher = new();
    private readonly FakeContainerRuntime _runtime;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ResourceKey _stuck = new(ServiceSpec.KindName, ResourceKey.DefaultTenant, "stuck");
    private IHost? _host;
    private int _stuckLists;
    private int _stuckCancelled;

    public ReconcileDeadlineTests() => _runtime = new FakeContainerRuntime(_time);

    public Task InitializeAsync() => Task.CompletedTask;

    private ReconcileQueue Queue => _host!.Services.GetRequiredService<ReconcileQueue>();

    /// <param name="honoursCancellation">false: the stuck call ignores its token, as a wedged socket read can.</param>
    private async Task StartWithStuckServiceAsync(bool honoursCancellation, TimeSpan? shutdownTimeout = null)
    {
        _runtime.BeforeList = async (owner, cancellationToken) =>
        {
            if (owner != _stuck)
            {
                return;
            }

            Interlocked.Increment(ref _stuckLists);
            if (!honoursCancellation)
            {
                await _release.Task;
                return;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _stuckCancelled);
                throw;
            }
        };
        _store.Put(Service("stuck"));

        var settings = new OperatorSettings
        {
            MaxParallelReconciles = 1,
            ReconcileTimeout = ReconcileTimeout,
            BackoffInitial = FirstBackoff,
            BackoffJitter = 0,
            ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(15),
        };
        _host = OperatorApp.CreateBuilder(settings, services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddFakePorts(_store, _watcher, _runtime);
            services.AddSingleton<TimeProvider>(_time);
        }).Build();
        await _host.StartAsync();
        await Eventually.TrueAsync(() => Volatile.Read(ref _stuckLists) == 1, "the start-up resync's reconcile of 'stuck' is hanging in Docker");
    }

    private async Task<ResourceKey> AddWebAsync()
    {
        var web = _store.Put(Service("web"));
        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, web));
        await Eventually.TrueAsync(() => Queue.Ready.Contains(web), "web waits for the only worker");
        return web;
    }

    [Fact]
    public async Task A_hanging_reconcile_is_cancelled_at_the_deadline_reported_and_retried_with_backoff_while_others_proceed()
    {
        await StartWithStuckServiceAsync(honoursCancellation: true);
        var web = await AddWebAsync();

        _time.Advance(ReconcileTimeout);

        await Eventually.TrueAsync(() => Volatile.Read(ref _stuckCancelled) == 1, "the hanging Docker call was cancelled");
        await Eventually.TrueAsync(() => _store.StatusOf(web)?.Phase == ResourcePhase.Running, "web Running once the worker is free");
        var timeout = Assert.Single(_store.Events, e => e.Resource == _stuck && e.Reason == "ReconcileTimeout");
        Assert.Contains("did not finish within 120 s", timeout.Message);
        var snapshot = Queue.For(ServiceSpec.KindName).Snapshot();
        Assert.Equal(1, snapshot.ConsecutiveFailures[_stuck]);
        Assert.Equal(_time.GetUtcNow() + FirstBackoff, snapshot.Scheduled[_stuck]);
        Assert.Equal(1, Volatile.Read(ref _stuckLists)); // no retry before the backoff is over

        _time.Advance(FirstBackoff);

        await Eventually.TrueAsync(() => Volatile.Read(ref _stuckLists) == 2, "'stuck' retried after its backoff");
    }

    [Fact]
    public async Task A_reconcile_that_ignores_cancellation_frees_its_worker_but_never_runs_twice_at_once()
    {
        await StartWithStuckServiceAsync(honoursCancellation: false);
        var web = await AddWebAsync();

        _time.Advance(ReconcileTimeout);
        await Eventually.TrueAsync(() => _store.StatusOf(web)?.Phase == ResourcePhase.Running, "web Running once the worker is free");

        // The retry comes while the first run is still inside Docker: it must fail (backoff) rather than run beside it.
        _time.Advance(FirstBackoff);
        await Eventually.TrueAsync(
            () => Queue.For(ServiceSpec.KindName).Snapshot().ConsecutiveFailures.GetValueOrDefault(_stuck) == 2,
            "the retry of 'stuck' refused while its first run has not returned");
        Assert.Equal(1, Volatile.Read(ref _stuckLists));

        _release.SetResult();
        await Eventually.TrueAsync(() => _store.StatusOf(_stuck)?.Phase == ResourcePhase.Running, "the first run of 'stuck' finished late");
        // The late run wrote its status just before it returned, so a retry may still meet it and back off once more:
        // let the clock run until a retry gets through.
        await Eventually.TrueAsync(
            () =>
            {
                _time.Advance(FirstBackoff);
                // A retry that got through succeeded and cleared the failures; the abandoned run's late return never
                // reports to the queue. (It cannot be counted in lists: 'stuck' has a container by then, which the
                // operator inspects by id.)
                return !Queue.For(ServiceSpec.KindName).Snapshot().ConsecutiveFailures.ContainsKey(_stuck);
            },
            "'stuck' reconciled again once its first run returned");
    }

    [Fact]
    public async Task Shutdown_does_not_wait_for_a_reconcile_that_ignores_cancellation()
    {
        await StartWithStuckServiceAsync(honoursCancellation: false, shutdownTimeout: TimeSpan.FromMinutes(10));

        // Only a guard against hanging the run; without the worker giving up at shutdown this waits the 10 minutes.
        await _host!.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.False(_release.Task.IsCompleted);
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
