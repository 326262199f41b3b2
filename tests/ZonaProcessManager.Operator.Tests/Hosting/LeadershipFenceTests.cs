using ZonaProcessManager.Testing.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Workloads;
using ZonaProcessManager.Operator.Tests.Fakes;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>
/// The fence on the runtime (<see cref="FencedWorkloadRuntime"/>, which every host gets) on fake ports and a manual
/// clock: a leader whose term the store has not confirmed creates nothing, writes no status and retries at the queue's
/// backoff instead of in a loop; a standby acts on nothing; the containers of each term carry its holder and generation,
/// and a later term's leader leaves the earlier term's containers as they are.
/// </summary>
public sealed class LeadershipFenceTests : IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);

    // 1 s doubling within 60 s gives attempts at 0, 1, 3, 7, 15 and 31 s; a hot loop makes hundreds.
    private const int MaxAttemptsInWindow = 8;

    private readonly ManualTimeProvider _time = new();
    private readonly FakeServiceStore _store = new();
    private readonly FakeContainerRuntime _runtime;
    private readonly FakeResourceWatcher _watcher = new();
    private readonly TestLeaderElection _election = new();
    private IHost? _host;

    public LeadershipFenceTests() => _runtime = new FakeContainerRuntime(_time);

    public Task InitializeAsync() => Task.CompletedTask;

    private ReconcileQueue Queue => _host!.Services.GetRequiredService<ReconcileQueue>();

    [Fact]
    public async Task An_unconfirmed_leader_creates_nothing_writes_no_status_and_retries_at_the_backoff_until_confirmed()
    {
        var web = _store.Put(Service("web"));
        var observations = 0;
        _runtime.BeforeList = (owner, _) =>
        {
            if (owner == web)
            {
                Interlocked.Increment(ref observations);
            }

            return Task.CompletedTask;
        };
        _election.Confirmed = false;
        await StartAsync();
        _election.Grant();
        await Eventually.TrueAsync(() => Volatile.Read(ref observations) >= 1, "the leader looks at web");

        await RunClockAsync(() => Volatile.Read(ref observations));

        Assert.InRange(Volatile.Read(ref observations), 4, MaxAttemptsInWindow);
        Assert.DoesNotContain(_runtime.Calls, call => call.StartsWith("create ", StringComparison.Ordinal));
        Assert.Null(_store.StatusOf(web));
        Assert.Empty(_store.Events);
        Assert.True(Queue.For(ServiceSpec.KindName).Snapshot().ConsecutiveFailures.TryGetValue(web, out var failures) && failures >= 4);

        // The store confirms the term again: the next retry converges.
        _election.Confirmed = true;
        for (var i = 0; i < 20 && _store.StatusOf(web)?.Phase != ResourcePhase.Running; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            await Eventually.TrueAsync(() => Queue.IsIdle, "queue idle");
        }

        Assert.Equal(ResourcePhase.Running, _store.StatusOf(web)?.Phase);
        Assert.Single(_runtime.ContainersOf(web));
    }

    [Fact]
    public async Task A_term_that_lapses_between_two_steps_of_a_plan_runs_no_further_step_and_the_plan_finishes_once_confirmed_again()
    {
        var web = _store.Put(Service("web", replicas: 3));
        _runtime.AfterCreate = _ =>
        {
            // The store stops confirming the term while the plan's first create is under way.
            _election.Confirmed = false;
            _runtime.AfterCreate = null;
        };
        await StartAsync();
        _election.Grant();
        await Eventually.TrueAsync(() => _runtime.ContainersOf(web).Count == 1, "web's first replica created");
        await Eventually.TrueAsync(() => Queue.IsIdle, "queue idle");

        Assert.Single(_runtime.Calls, call => call.StartsWith("create ", StringComparison.Ordinal));
        Assert.Null(_store.StatusOf(web));

        _election.Confirmed = true;
        for (var i = 0; i < 20 && _store.StatusOf(web)?.Phase != ResourcePhase.Running; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            await Eventually.TrueAsync(() => Queue.IsIdle, "queue idle");
        }

        Assert.Equal(ResourcePhase.Running, _store.StatusOf(web)?.Phase);
        Assert.Equal(3, _runtime.ContainersOf(web).Select(c => c.Replica).Distinct().Count());
    }

    [Fact]
    public async Task Each_term_labels_what_it_creates_and_a_standby_between_terms_acts_on_nothing()
    {
        var web = _store.Put(Service("web"));
        await StartAsync();
        _election.Grant();
        await Eventually.TrueAsync(() => _store.StatusOf(web)?.Phase == ResourcePhase.Running, "web Running in term 1");
        var first = _runtime.ContainersOf(web).Single();
        AssertCreatedUnder(first, generation: 1);

        await _election.RevokeAsync();
        await Eventually.TrueAsync(() => _election.Acquisitions == 2, "standing by after term 1");
        var workloads = _host!.Services.GetRequiredService<IWorkloadRuntime>();
        var observed = await workloads.ObserveAsync(web, CancellationToken.None);
        Assert.Single(observed.Replicas); // looking stays allowed
        var standbyRemoval = await Assert.ThrowsAsync<LeadershipFenceException>(() => workloads.RemoveAsync(web, CancellationToken.None));
        Assert.Contains("not the leader", standbyRemoval.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LeadershipFenceException>(() => workloads.EnsureTenantNetworkAsync("acme", CancellationToken.None));
        await Assert.ThrowsAsync<LeadershipFenceException>(() => workloads.RemoveTenantNetworkAsync("acme", CancellationToken.None));
        var plan = new ReconcilePlan([new RemoveContainer(first.Id, first.Name, first.Replica, "test")], new PlanOutcome(OutcomeKind.Progressing, "Test", "test"), new ReplicaCounts(1, 1), null);
        var desired = new DesiredWorkload { Service = (await _store.GetAsync(web, CancellationToken.None))!.Spec!, SpecHash = first.SpecHash };
        await Assert.ThrowsAsync<LeadershipFenceException>(() => workloads.ApplyAsync(desired, observed, plan, CancellationToken.None));
        Assert.Equal(first.Id, _runtime.ContainersOf(web).Single().Id);

        var api = _store.Put(Service("api", replicas: 2));
        _election.Grant();
        await Eventually.TrueAsync(() => _store.StatusOf(api)?.Phase == ResourcePhase.Running, "api Running in term 2");

        Assert.All(_runtime.ContainersOf(api), container => AssertCreatedUnder(container, generation: 2));
        var webNow = _runtime.ContainersOf(web).Single();
        Assert.Equal(first.Id, webNow.Id); // term 2's labels differ from web's, and that replaces nothing
        AssertCreatedUnder(webNow, generation: 1);
    }

    private void AssertCreatedUnder(ObservedContainer container, long generation)
    {
        var labels = _runtime.ExtraLabelsOf(container);
        Assert.Equal("test-instance", labels[ZpmLabels.Leader]);
        Assert.Equal(generation.ToString(System.Globalization.CultureInfo.InvariantCulture), labels[ZpmLabels.LeaderGeneration]);
    }

    /// <summary>Moves the clock through the window in small steps, letting the queue finish what each step made due.</summary>
    private async Task RunClockAsync(Func<int> attempts)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < Window; elapsed += Step)
        {
            // A hot loop never leaves the queue idle; stop it as soon as it has shown itself.
            await Eventually.TrueAsync(() => Queue.IsIdle || attempts() > MaxAttemptsInWindow, "queue idle");
            Assert.InRange(attempts(), 0, MaxAttemptsInWindow);
            _time.Advance(Step);
        }

        await Eventually.TrueAsync(() => Queue.IsIdle || attempts() > MaxAttemptsInWindow, "queue idle");
    }

    private async Task StartAsync()
    {
        var settings = new OperatorSettings { BackoffJitter = 0 };
        _host = OperatorApp.CreateBuilder(settings, services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddFakePorts(_store, _watcher, _runtime);
            services.AddSingleton<TimeProvider>(_time);
            services.AddSingleton<ILeaderElection>(_election);
        }).Build();
        await _host.StartAsync();
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
