using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Controllers;
using ZonaProcessManager.Operator.Tests.Fakes;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>
/// A resync pass lists once and enqueues only what needs a look: a service whose containers are exactly what its status
/// says is skipped; anything that drifted, changed or is gone is enqueued.
/// </summary>
public sealed class ResyncTests : IAsyncDisposable
{
    private readonly ReconcilerHarness _harness = new();
    private readonly ReconcileQueue _queue;
    private readonly Resync _resync;

    public ResyncTests()
    {
        var settings = new OperatorSettings();
        _queue = new ReconcileQueue(OperatorKinds.Registered(), settings, _harness.Time, NullLogger<ReconcileQueue>.Instance);
        _resync = new Resync(
            new ResourceEnumerator(_harness.Store, _harness.Integrations, _harness.Workloads, OperatorKinds.Registered(), settings, _harness.Health),
            _harness.Reconciler, _queue, _harness.Health, NullLogger<Resync>.Instance);
    }

    private async Task<ResourceKey> RunningAsync(ServiceSpec spec)
    {
        var key = _harness.Store.Put(spec);
        await _harness.ConvergeAsync(key);
        Assert.Equal(ResourcePhase.Running, _harness.Store.StatusOf(key)?.Phase);
        return key;
    }

    private IReadOnlyList<ResourceKey> Queued() => _queue.Ready;

    [Fact]
    public async Task Converged_services_are_not_enqueued_and_the_pass_says_how_many_were_settled()
    {
        var web = await RunningAsync(Service("web", replicas: 2));
        var api = await RunningAsync(Service("api"));
        var idle = await RunningAsync(Service("idle", replicas: 0, suspended: true));

        var pass = await _resync.RunOnceAsync("test", CancellationToken.None);

        Assert.Empty(Queued());
        Assert.Equal(new ResyncPass(Enqueued: 0, Settled: 3), pass);
        Assert.Equal(pass, _resync.LastPass);
        foreach (var key in new[] { web, api, idle })
        {
            var stored = await _harness.Store.GetAsync(key, CancellationToken.None);
            Assert.True(_harness.Reconciler.IsSettled(stored!, ObservedWorkload.OfContainers(key, _harness.Runtime.ContainersOf(key))), $"{key} settled");
        }
    }

    [Fact]
    public async Task The_store_and_the_engine_are_listed_at_once_so_a_pass_waits_for_the_longer_list_not_their_sum()
    {
        await RunningAsync(Service("web"));
        var engineAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.Runtime.BeforeList = (owner, _) =>
        {
            if (owner is null)
            {
                engineAsked.TrySetResult();
            }

            return Task.CompletedTask;
        };
        // The store answers only once the engine has been asked: listing one after the other would never end.
        _harness.Store.BeforeList = cancellation => engineAsked.Task.WaitAsync(cancellation);

        var pass = await _resync.RunOnceAsync("test", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(new ResyncPass(Enqueued: 0, Settled: 1), pass);
    }

    [Fact]
    public async Task A_container_removed_or_changed_behind_the_operators_back_gets_its_service_enqueued()
    {
        var removed = await RunningAsync(Service("removed"));
        var exited = await RunningAsync(Service("exited"));
        var untouched = await RunningAsync(Service("untouched"));
        _harness.Runtime.RemoveBehindTheOperatorsBack(_harness.Runtime.ContainersOf(removed).Single().Id);
        _harness.Runtime.Mutate(_harness.Runtime.ContainersOf(exited).Single().Id, c => c with { State = ContainerState.Exited, ExitCode = 137 });

        var pass = await _resync.RunOnceAsync("test", CancellationToken.None);

        Assert.Equal(new HashSet<ResourceKey> { exited, removed }, Queued().ToHashSet());
        Assert.DoesNotContain(untouched, Queued());
        Assert.Equal(1, pass.Settled);
    }

    [Fact]
    public async Task A_service_whose_status_no_longer_matches_what_Docker_shows_is_enqueued_even_without_actions()
    {
        var key = await RunningAsync(Service("web"));
        _harness.Runtime.Mutate(_harness.Runtime.ContainersOf(key).Single().Id, c => c with { Health = ContainerHealth.Healthy });

        await _resync.RunOnceAsync("test", CancellationToken.None);

        Assert.Equal([key], Queued());
    }

    [Fact]
    public async Task Changed_specs_deletions_dependencies_and_orphaned_containers_are_always_enqueued()
    {
        var changed = await RunningAsync(Service("changed"));
        _harness.Store.Put(Service("changed", env: new Dictionary<string, string> { ["LEVEL"] = "debug" }));
        var deleting = await RunningAsync(Service("deleting"));
        _harness.Store.Put(Service("deleting", deletionRequested: true));
        await RunningAsync(Service("db"));
        var dependent = await RunningAsync(Service("app", dependsOn: ["db"]));
        var orphan = await RunningAsync(Service("orphan"));
        _harness.Store.Remove(orphan);
        var fresh = _harness.Store.Put(Service("fresh"));

        var pass = await _resync.RunOnceAsync("test", CancellationToken.None);

        Assert.Equal(new HashSet<ResourceKey> { changed, deleting, dependent, orphan, fresh }, Queued().ToHashSet());
        Assert.Equal(new ResyncPass(Enqueued: 5, Settled: 1), pass);
    }

    [Fact]
    public async Task A_resync_lists_Docker_once_whatever_the_number_of_services()
    {
        for (var i = 0; i < 5; i++)
        {
            await RunningAsync(Service($"svc-{i}"));
        }

        var listsBefore = _harness.Runtime.Lists;

        await _resync.RunOnceAsync("test", CancellationToken.None);

        Assert.Equal(1, _harness.Runtime.Lists - listsBefore);
        Assert.Empty(Queued());
    }

    public ValueTask DisposeAsync() => _queue.DisposeAsync();
}
