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
/// The leader gate on fake ports, with an election the test grants and revokes: a standby watches, lists and reconciles
/// nothing; a leader converges; losing the term stops the watch and the reconciles in flight; a new term starts with a
/// resync that finds what changed meanwhile.
/// </summary>
public sealed class LeaderGateTests : IAsyncLifetime
{
    private readonly FakeServiceStore _store = new();
    private readonly FakeContainerRuntime _runtime = new(TimeProvider.System);
    private readonly FakeResourceWatcher _watcher = new();
    private readonly TestLeaderElection _election = new();
    private IHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    private ReconcileQueue Queue => _host!.Services.GetRequiredService<ReconcileQueue>();

    private async Task StartAsync(bool ownElection = true)
    {
        var settings = new OperatorSettings
        {
            LoopRetryInitial = TimeSpan.FromMilliseconds(10),
            LoopRetryMax = TimeSpan.FromMilliseconds(50),
        };
        _host = OperatorApp.CreateBuilder(settings, services =>
        {
            services.AddFakePorts(_store, _watcher, _runtime);
            if (ownElection)
            {
                services.AddSingleton<ILeaderElection>(_election);
            }
        }).Build();
        await _host.StartAsync();
    }

    [Fact]
    public async Task Only_the_leader_reconciles_and_every_new_term_starts_with_a_resync()
    {
        var web = _store.Put(Service("web"));
        await StartAsync();

        // The gate waits for leadership and has started none of its loops.
        await Eventually.TrueAsync(() => _election.Acquisitions == 1, "the gate asks for leadership");
        Assert.Equal(0, _watcher.WatchCount);
        Assert.Equal(0, _store.ListCalls);
        Assert.Equal(0, _runtime.Lists);
        Assert.Empty(_runtime.ContainersOf(web));

        _election.Grant();
        await Eventually.TrueAsync(() => _store.StatusOf(web)?.Phase == ResourcePhase.Running, "web Running once leading (start-up resync)");
        await Eventually.TrueAsync(() => _watcher.ActiveWatches == 1, "the leader watches");
        var webContainer = _runtime.ContainersOf(web).Single().Id;

        await _election.RevokeAsync();
        await Eventually.TrueAsync(() => _election.Acquisitions == 2, "the term's loops stopped and the gate waits for leadership again");
        Assert.Equal(0, _watcher.ActiveWatches); // the watch was cancelled
        Assert.Equal([1L], _election.Released);
        var listsWhenLost = _store.ListCalls;

        var api = _store.Put(Service("api"));
        await _watcher.EmitAsync(new ResourceChange(ChangeKind.Upserted, api));
        var worker = _store.Put(Service("worker")); // no event: only a resync can find it
        Queue.Add(api); // as a late trigger would: the stopped queue takes nothing
        Assert.Equal(1, _watcher.Unread);
        Assert.DoesNotContain(api, Queue.Ready);
        Assert.Empty(_runtime.ContainersOf(api));
        Assert.Equal(listsWhenLost, _store.ListCalls);

        _election.Grant();
        await Eventually.TrueAsync(() => _store.StatusOf(worker)?.Phase == ResourcePhase.Running, "worker Running: the new term's start-up resync found it");
        await Eventually.TrueAsync(() => _store.StatusOf(api)?.Phase == ResourcePhase.Running, "api Running");
        Assert.True(_store.ListCalls > listsWhenLost);
        Assert.Equal(webContainer, _runtime.ContainersOf(web).Single().Id);

        await StopAsync();
        Assert.Equal([1L, 2L], _election.Released);
    }

    [Fact]
    public async Task Losing_the_leadership_cancels_the_reconciles_in_flight()
    {
        var stuck = _store.Put(Service("stuck"));
        var hanging = 0;
        var cancelled = 0;
        _runtime.BeforeList = async (owner, cancellationToken) =>
        {
            // Only the first term's reconcile of 'stuck' hangs in Docker; later ones go through.
            if (owner != stuck || Interlocked.Increment(ref hanging) > 1)
            {
                return;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref cancelled);
                throw;
            }
        };
        await StartAsync();
        _election.Grant();
        await Eventually.TrueAsync(() => Volatile.Read(ref hanging) == 1, "the reconcile of 'stuck' hangs in Docker");

        await _election.RevokeAsync();

        await Eventually.TrueAsync(() => Volatile.Read(ref cancelled) == 1, "the reconcile in flight was cancelled");
        await Eventually.TrueAsync(() => _election.Acquisitions == 2, "the gate waits for leadership again");

        _election.Grant();
        await Eventually.TrueAsync(() => _store.StatusOf(stuck)?.Phase == ResourcePhase.Running, "'stuck' reconciled in the next term");
    }

    [Fact]
    public async Task A_host_without_an_election_of_its_own_leads_at_once_and_for_good()
    {
        await StartAsync(ownElection: false);

        var election = Assert.IsType<SingleInstanceLeaderElection>(_host!.Services.GetRequiredService<ILeaderElection>());
        var term = await election.AcquireAsync(CancellationToken.None);
        Assert.False(term.Lost.CanBeCanceled);
        Assert.Equal(0, _election.Acquisitions);
        await Eventually.TrueAsync(() => _watcher.ActiveWatches == 1, "the host watches without being granted anything");
    }

    private async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
            _host = null;
        }
    }

    public Task DisposeAsync() => StopAsync();
}
