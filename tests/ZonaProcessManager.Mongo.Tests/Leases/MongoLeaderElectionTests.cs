using System.Collections.Concurrent;
using ZonaProcessManager.Testing.Time;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Leases;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Leases;

public sealed class MongoLeaderElectionTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>, IAsyncLifetime
{
    // Short real periods: a standby looks every 200 ms, a lease lapses 1.5 s after its last renewal.
    private static readonly LeaseOptions Fast = new()
    {
        LeaseDuration = TimeSpan.FromMilliseconds(1500),
        RenewDeadline = TimeSpan.FromMilliseconds(1000),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
        ActivePreference = TimeSpan.FromMilliseconds(300),
    };

    // Polling so slow that only the change stream can explain a take-over within the tests' deadlines.
    private static readonly LeaseOptions SlowPolling = Fast with
    {
        LeaseDuration = TimeSpan.FromMinutes(3),
        RenewDeadline = TimeSpan.FromMinutes(2),
        RetryPeriod = TimeSpan.FromMinutes(1),
    };

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly List<IAsyncDisposable> _cleanup = [];
    private readonly CancellationTokenSource _testEnd = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _testEnd.CancelAsync();
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        _testEnd.Dispose();
    }

    [Fact]
    public async Task Of_two_instances_exactly_one_leads_and_keeps_the_lease_past_its_first_expiry()
    {
        var database = await DatabaseAsync();
        var first = Election(database, Fast);
        var second = Election(database, Fast);

        var firstTerm = Acquire(first);
        var secondTerm = Acquire(second);
        var winner = await Task.WhenAny(firstTerm, secondTerm).WaitAsync(Deadline);
        var (leader, standby, standbyTerm) = winner == firstTerm ? (first, second, secondTerm) : (second, first, firstTerm);
        var term = await winner;
        Assert.Equal(leader.Identity.Holder, term.Holder);
        Assert.Equal(1, term.Generation);

        // The leader renews: the lease outlives its first expiry by the store's clock while the standby keeps looking.
        var lease = await LeaseAsync(database);
        var firstExpiry = lease[LeaseFields.ExpiresAt].ToUniversalTime();
        await Eventually.TrueAsync(
            async () => (await LeaseAsync(database))[LeaseFields.RenewedAt].ToUniversalTime() > firstExpiry,
            Deadline,
            "the leader to renew its lease past the first expiry");
        await StandbyLooksAsync(database, standby, looks: 3);

        Assert.False(standbyTerm.IsCompleted, "the standby must not lead while the leader renews");
        lease = await LeaseAsync(database);
        Assert.Equal(leader.Identity.Holder, lease[LeaseFields.Holder].AsString);
        Assert.Equal(1, lease[LeaseFields.Generation].ToInt64());
        Assert.True(leader.IsConfirmed(term));
        var operators = await OperatorsAsync(database);
        Assert.Equal(LeaseFields.LeaderState, operators[leader.Identity.Holder][LeaseFields.State].AsString);
        Assert.Equal(LeaseFields.StandbyState, operators[standby.Identity.Holder][LeaseFields.State].AsString);
    }

    [Fact]
    public async Task A_released_lease_is_taken_by_the_standby_through_the_change_stream_without_waiting_for_a_poll()
    {
        var database = await DatabaseAsync();
        var leader = Election(database, SlowPolling with { Role = LeaderRole.Active });
        var standby = Election(database, SlowPolling);
        var term = await Acquire(leader).WaitAsync(Deadline);
        var standbyTerm = Acquire(standby);
        await StandsByAsync(database, standby);

        await leader.ReleaseAsync(term, CancellationToken.None);

        // The standby polls once a minute: only the change on the lease document can wake it within the deadline.
        var taken = await standbyTerm.WaitAsync(Deadline);
        Assert.Equal(standby.Identity.Holder, taken.Holder);
        Assert.Equal(2, taken.Generation);
        Assert.True(term.Lost.IsCancellationRequested, "a released term has ended");
        Assert.False(leader.IsConfirmed(term));
    }

    [Fact]
    public async Task A_leader_cut_off_from_the_store_loses_its_term_before_the_lease_expires_and_the_standby_takes_over()
    {
        var database = await DatabaseAsync();
        var isolatedClient = target.CreateClient();
        var leader = Election(isolatedClient.GetDatabase(database.DatabaseNamespace.DatabaseName), Fast);
        var standby = Election(database, Fast);
        var term = await Acquire(leader).WaitAsync(Deadline);
        var standbyTerm = Acquire(standby);
        var lostWhileStillHeld = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        term.Lost.Register(() => _ = Task.Run(async () =>
        {
            // Judged by the store's own clock: the lease is still this term's and has not expired.
            var unexpired = new BsonDocument
            {
                ["_id"] = ResumeTokenStore.AllTenantsScope,
                [LeaseFields.Holder] = term.Holder,
                [LeaseFields.Generation] = term.Generation,
                ["$expr"] = new BsonDocument("$gt", new BsonArray { "$" + LeaseFields.ExpiresAt, "$$NOW" }),
            };
            lostWhileStillHeld.TrySetResult(await database.GetCollection<BsonDocument>(ZpmCollections.Leases).CountDocumentsAsync(unexpired) == 1);
        }));

        // The leader's own client goes away: every renewal fails from now on, as over a lost network.
        isolatedClient.Dispose();

        Assert.True(await lostWhileStillHeld.Task.WaitAsync(Deadline), "Lost must fire while the lease is still unexpired by the store's clock");
        Assert.False(leader.IsConfirmed(term));
        var taken = await standbyTerm.WaitAsync(Deadline);
        Assert.Equal(standby.Identity.Holder, taken.Holder);
        Assert.Equal(term.Generation + 1, taken.Generation);
    }

    [Fact]
    public async Task IsConfirmed_turns_false_when_the_renew_deadline_passes_without_a_renewal()
    {
        var database = await DatabaseAsync();
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var isolatedClient = target.CreateClient();
        // Active: it creates the missing lease at once, without waiting on the clock that only the test moves.
        var leader = Election(isolatedClient.GetDatabase(database.DatabaseNamespace.DatabaseName), SlowPolling with { Role = LeaderRole.Active }, clock);
        var term = await Acquire(leader).WaitAsync(Deadline);
        Assert.True(leader.IsConfirmed(term));
        isolatedClient.Dispose();

        clock.Advance(SlowPolling.RenewDeadline - TimeSpan.FromMilliseconds(1));
        Assert.False(term.Lost.IsCancellationRequested);
        Assert.True(leader.IsConfirmed(term), "confirmed until the renew deadline");

        clock.Advance(TimeSpan.FromMilliseconds(2));
        Assert.False(leader.IsConfirmed(term), "not confirmed once the renew deadline passed without a renewal");
        Assert.True(term.Lost.IsCancellationRequested, "the term is lost at the renew deadline");
    }

    [Fact]
    public async Task A_leader_whose_take_waited_on_a_busy_store_renews_at_once_and_keeps_its_term_past_the_deadline_counted_from_the_take()
    {
        var database = await DatabaseAsync();
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var options = SlowPolling with { Role = LeaderRole.Active, RenewDeadline = TimeSpan.FromMinutes(1), RetryPeriod = TimeSpan.FromSeconds(10) };
        var takeSeen = 0;
        var leaseUpdates = new ConcurrentDictionary<int, bool>();
        var renewals = 0;
        // The take's round trip lasts 55 s by the leader's clock, as on a store busy with other work: 5 s of the renew
        // deadline are left when the term begins, less than one retry period.
        var client = target.CreateClient(settings => settings.ClusterConfigurator = cluster => cluster
            .Subscribe<CommandStartedEvent>(started =>
            {
                if (started.CommandName == "findAndModify" && Interlocked.Exchange(ref takeSeen, 1) == 0)
                {
                    clock.Advance(TimeSpan.FromSeconds(55));
                }
                else if (started.CommandName == "update" && started.Command["update"] == ZpmCollections.Leases)
                {
                    leaseUpdates[started.RequestId] = true;
                }
            })
            .Subscribe<CommandSucceededEvent>(succeeded =>
            {
                if (leaseUpdates.ContainsKey(succeeded.RequestId))
                {
                    Interlocked.Increment(ref renewals);
                }
            }));
        _cleanup.Add(new Disposing(client));
        var leader = Election(client.GetDatabase(database.DatabaseNamespace.DatabaseName), options, clock);

        var term = await Acquire(leader).WaitAsync(Deadline);

        // No time passes on the leader's clock: only a renewal that does not wait a retry period can happen now.
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref renewals) > 0), Deadline, "a renewal right after the slow take");
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.False(term.Lost.IsCancellationRequested, "the renewal moved the renew deadline on");
        Assert.True(leader.IsConfirmed(term));
    }

    [Fact]
    public async Task A_leader_that_sees_another_holder_on_renewal_loses_its_term()
    {
        var database = await DatabaseAsync();
        var leader = Election(database, Fast);
        var term = await Acquire(leader).WaitAsync(Deadline);

        await database.GetCollection<BsonDocument>(ZpmCollections.Leases).UpdateOneAsync(
            new BsonDocument("_id", ResumeTokenStore.AllTenantsScope),
            new BsonDocument("$set", new BsonDocument { [LeaseFields.Holder] = "intruder", [LeaseFields.Generation] = term.Generation + 1 }));

        await Eventually.TrueAsync(() => Task.FromResult(term.Lost.IsCancellationRequested), Deadline, "the leader to notice the other holder");
        Assert.False(leader.IsConfirmed(term));
        // Given up without touching the other holder's lease.
        await leader.ReleaseAsync(term, CancellationToken.None);
        Assert.Equal("intruder", (await LeaseAsync(database))[LeaseFields.Holder].AsString);
    }

    [Fact]
    public async Task Operators_of_different_tenant_scopes_elect_separately()
    {
        var database = await DatabaseAsync();
        var acmeScope = ResumeTokenStore.ScopeOf(new HashSet<string> { "acme" });
        var globexScope = ResumeTokenStore.ScopeOf(new HashSet<string> { "globex", "initech" });
        var acme = Election(database, Fast with { LeaseName = acmeScope });
        var globex = Election(database, Fast with { LeaseName = globexScope });
        var acmeRival = Election(database, Fast with { LeaseName = acmeScope });

        var acmeTerm = await Acquire(acme).WaitAsync(Deadline);
        var globexTerm = await Acquire(globex).WaitAsync(Deadline);
        var rivalTerm = Acquire(acmeRival);
        await StandbyLooksAsync(database, acmeRival, looks: 2);

        Assert.True(acme.IsConfirmed(acmeTerm) && globex.IsConfirmed(globexTerm), "each scope has its own leader");
        Assert.False(rivalTerm.IsCompleted, "a second operator of the same scope stands by");
        Assert.Equal(acme.Identity.Holder, (await LeaseAsync(database, acmeScope))[LeaseFields.Holder].AsString);
        Assert.Equal(globex.Identity.Holder, (await LeaseAsync(database, globexScope))[LeaseFields.Holder].AsString);
    }

    [Fact]
    public async Task A_passive_instance_never_leads_not_even_a_free_lease()
    {
        var database = await DatabaseAsync();
        var passive = Election(database, Fast with { Role = LeaderRole.Passive });
        var passiveTerm = Acquire(passive);
        await StandbyLooksAsync(database, passive, looks: 3);
        Assert.False(passiveTerm.IsCompleted);
        Assert.Null(await database.GetCollection<BsonDocument>(ZpmCollections.Leases).Find(new BsonDocument()).FirstOrDefaultAsync());

        var leader = Election(database, Fast);
        var term = await Acquire(leader).WaitAsync(Deadline);
        await leader.ReleaseAsync(term, CancellationToken.None);
        await StandbyLooksAsync(database, passive, looks: 3);

        Assert.False(passiveTerm.IsCompleted, "a passive instance stands by even when the lease is free");
        Assert.Equal(BsonNull.Value, (await LeaseAsync(database))[LeaseFields.Holder]);
        Assert.Equal("passive", (await OperatorsAsync(database))[passive.Identity.Holder][LeaseFields.Role].AsString);
    }

    [Fact]
    public async Task An_active_instance_takes_a_released_lease_before_an_automatic_one()
    {
        var database = await DatabaseAsync();
        var leader = Election(database, SlowPolling);
        var term = await Acquire(leader).WaitAsync(Deadline);
        var automatic = Election(database, SlowPolling);
        var active = Election(database, SlowPolling with { Role = LeaderRole.Active });
        var automaticTerm = Acquire(automatic);
        var activeTerm = Acquire(active);
        await StandsByAsync(database, automatic);
        await StandsByAsync(database, active);

        await leader.ReleaseAsync(term, CancellationToken.None);

        var taken = await activeTerm.WaitAsync(Deadline);
        Assert.Equal(active.Identity.Holder, taken.Holder);
        Assert.Equal(active.Identity.Holder, (await LeaseAsync(database))[LeaseFields.Holder].AsString);
        Assert.False(automaticTerm.IsCompleted, "the automatic instance left the free lease to the active one");
    }

    [Fact]
    public async Task An_active_instance_creates_a_missing_lease_before_an_automatic_one()
    {
        var database = await DatabaseAsync();
        var automatic = Election(database, Fast with { ActivePreference = TimeSpan.FromSeconds(5) });
        var active = Election(database, Fast with { Role = LeaderRole.Active });
        var automaticTerm = Acquire(automatic);
        var activeTerm = Acquire(active);

        var taken = await activeTerm.WaitAsync(Deadline);
        Assert.Equal(active.Identity.Holder, taken.Holder);
        Assert.False(automaticTerm.IsCompleted);
    }

    [Fact]
    public async Task Expiry_is_judged_by_the_store_clock_so_a_client_whose_clock_is_far_ahead_cannot_take_a_held_lease()
    {
        var database = await DatabaseAsync();
        var leader = Election(database, Fast);
        var term = await Acquire(leader).WaitAsync(Deadline);
        var aheadClock = new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(1));
        var ahead = Election(database, Fast with { Role = LeaderRole.Active }, aheadClock);
        var aheadTerm = Acquire(ahead);

        // The store's renewals and the rival's looks both go on; the rival's clock says the lease expired a day ago.
        await StandbyLooksAsync(database, ahead, looks: 3);
        var lease = await LeaseAsync(database);
        Assert.False(aheadTerm.IsCompleted, "a client clock far ahead must not let it take a held lease");
        Assert.Equal(leader.Identity.Holder, lease[LeaseFields.Holder].AsString);
        Assert.True(leader.IsConfirmed(term));
        Assert.Equal(Fast.LeaseDuration, lease[LeaseFields.ExpiresAt].ToUniversalTime() - lease[LeaseFields.RenewedAt].ToUniversalTime());
    }

    [Fact]
    public async Task Each_change_of_leader_is_recorded_as_an_event_of_the_lease()
    {
        var database = await DatabaseAsync();
        var recorder = new MongoEventRecorder(database);
        var first = Election(database, Fast, events: recorder);
        var second = Election(database, Fast, events: recorder);
        var firstTerm = await Acquire(first).WaitAsync(Deadline);
        var secondTerm = Acquire(second);
        await first.ReleaseAsync(firstTerm, CancellationToken.None);
        await secondTerm.WaitAsync(Deadline);

        var events = await database.GetCollection<BsonDocument>(ZpmCollections.Events)
            .Find(new BsonDocument { ["resource.kind"] = MongoLeaderElection.LeaseEventKind, ["resource.name"] = ResumeTokenStore.AllTenantsScope })
            .SortBy(e => e["time"])
            .ToListAsync();
        Assert.Equal(["LeaderElected", "LeaderElected"], events.Select(e => e["reason"].AsString));
        Assert.Contains(first.Identity.Holder, events[0]["message"].AsString, StringComparison.Ordinal);
        Assert.Contains(second.Identity.Holder, events[1]["message"].AsString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopped_instance_removes_its_operator_record()
    {
        var database = await DatabaseAsync();
        var election = new MongoLeaderElection(database, Fast, NullLogger<MongoLeaderElection>.Instance);
        using var stop = new CancellationTokenSource();
        var term = await election.AcquireAsync(stop.Token).WaitAsync(Deadline);
        Assert.Contains(election.Identity.Holder, (await OperatorsAsync(database)).Keys);

        await election.ReleaseAsync(term, CancellationToken.None);
        await election.DisposeAsync();

        Assert.DoesNotContain(election.Identity.Holder, (await OperatorsAsync(database)).Keys);
    }

    private sealed class Disposing(IDisposable disposable) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            disposable.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private async Task<IMongoDatabase> DatabaseAsync()
    {
        var database = target.CreateDatabase(output);
        _cleanup.Add(database);
        return database.Database;
    }

    private MongoLeaderElection Election(IMongoDatabase database, LeaseOptions options, TimeProvider? clock = null, IEventRecorder? events = null)
    {
        var election = new MongoLeaderElection(database, options, NullLogger<MongoLeaderElection>.Instance, clock, events);
        _cleanup.Add(election);
        return election;
    }

    private Task<LeadershipTerm> Acquire(MongoLeaderElection election) => election.AcquireAsync(_testEnd.Token);

    private static async Task<BsonDocument> LeaseAsync(IMongoDatabase database, string name = ResumeTokenStore.AllTenantsScope) =>
        await database.GetCollection<BsonDocument>(ZpmCollections.Leases).Find(new BsonDocument("_id", name)).SingleAsync();

    private static async Task<Dictionary<string, BsonDocument>> OperatorsAsync(IMongoDatabase database) =>
        (await database.GetCollection<BsonDocument>(ZpmCollections.Operators).Find(new BsonDocument()).ToListAsync())
            .ToDictionary(document => document["_id"].AsString);

    private static async Task StandsByAsync(IMongoDatabase database, MongoLeaderElection standby) =>
        await Eventually.TrueAsync(async () => await LastSeenAsync(database, standby) is not null, Deadline, $"{standby.Identity.Holder} to stand by");

    // Waits until the standby has looked at the lease this many more times (each look rewrites its lastSeenAt).
    private static async Task StandbyLooksAsync(IMongoDatabase database, MongoLeaderElection standby, int looks)
    {
        var seen = new HashSet<DateTime>();
        var baseline = await LastSeenAsync(database, standby);
        await Eventually.TrueAsync(
            async () =>
            {
                if (await LastSeenAsync(database, standby) is { } lastSeen && lastSeen != baseline)
                {
                    seen.Add(lastSeen);
                }

                return seen.Count >= looks;
            },
            Deadline,
            $"{looks} looks at the lease by {standby.Identity.Holder}");
    }

    private static async Task<DateTime?> LastSeenAsync(IMongoDatabase database, MongoLeaderElection election) =>
        (await database.GetCollection<BsonDocument>(ZpmCollections.Operators).Find(new BsonDocument("_id", election.Identity.Holder)).FirstOrDefaultAsync())
            ?.GetValue(LeaseFields.LastSeenAt, BsonNull.Value) is { IsValidDateTime: true } lastSeen
            ? lastSeen.ToUniversalTime()
            : null;
}
