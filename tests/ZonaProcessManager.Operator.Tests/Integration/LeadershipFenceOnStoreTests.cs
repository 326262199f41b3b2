using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Tests.Fakes;
using ZonaProcessManager.Testing.Documents;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// The operator on the real store with an election the test drives: what a term writes records its generation; a
/// leader whose term a newer one has replaced, but which has not noticed yet (a pause), cannot overwrite the newer
/// term's status, stops that reconcile quietly and backs off; its next term takes over the document.
/// </summary>
public sealed class LeadershipFenceOnStoreTests(MongoTestTarget mongo, ITestOutputHelper output) : IClassFixture<MongoTestTarget>, IAsyncLifetime
{
    private const string Tenant = "fence";
    private OperatorOnStore? _operator;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_operator is not null)
        {
            await _operator.DisposeAsync();
        }
    }

    private static ResourceKey Key(string name) => new(ServiceSpec.KindName, Tenant, name);

    [Fact]
    public async Task A_deposed_leader_cannot_overwrite_a_newer_terms_status_and_its_next_term_takes_the_document_over()
    {
        var election = new TestLeaderElection();
        _operator = new OperatorOnStore(mongo, output);
        await _operator.StartAsync(election);
        election.Grant();
        var web = Key("web");
        await _operator.Services.InsertOneAsync(MalformedServiceSpecs.Valid(Tenant, "web"));
        await _operator.WaitForAsync(web, s => s.Phase == ResourcePhase.Running, "Running in term 1");
        Assert.Equal(1, await GenerationOfAsync(web));
        // A reconcile writes its status first and then one event per transition, so the events may still be on their way.
        var events = await Fakes.Eventually.ValueAsync(
            async () => await _operator.Database.GetCollection<BsonDocument>(ZpmCollections.Events).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync() is { Count: > 0 } recorded ? recorded : null,
            "term 1's events recorded",
            OperatorOnStore.Deadline);
        Assert.All(events, e => Assert.Equal(1, e["leaderGeneration"].ToInt64()));

        // A leader of term 2 elsewhere writes web's status; this host has not noticed that its term 1 is over.
        var newer = new MongoServiceStore(_operator.Database, leadership: new LeadingTerm(2));
        var taken = (await _operator.StatusAsync(web))! with { Message = "written in term 2" };
        await newer.WriteStatusAsync(web, taken, CancellationToken.None);
        var container = _operator.Runtime.ContainersOf(web).Single();
        _operator.Runtime.RemoveBehindTheOperatorsBack(container.Id);
        await _operator.Runtime.PublishEventAsync(new ContainerEvent(web, container.Id, "destroy", DateTimeOffset.UtcNow, container.Name));

        var services = _operator.Queue.For(ServiceSpec.KindName);
        await Fakes.Eventually.TrueAsync(
            () => services.Snapshot().ConsecutiveFailures.GetValueOrDefault(web) >= 1,
            "term 1's reconcile of web refused by the fence",
            OperatorOnStore.Deadline);
        Assert.Equal("written in term 2", (await _operator.StatusAsync(web))!.Message);
        Assert.Equal(2, await GenerationOfAsync(web));
        Assert.True(services.Snapshot().Scheduled.ContainsKey(web) || services.Snapshot().InFlight.Contains(web), "web waits out a backoff");
        Assert.Equal(0, _operator.Logs.Count(LogLevel.Error));
        Assert.DoesNotContain(_operator.Logs.Problems, line => line.Contains("refused", StringComparison.Ordinal));

        // Term 1 ends; this host leads term 2 (the same generation the other leader wrote under) and takes over.
        await election.RevokeAsync();
        election.Grant();
        await _operator.WaitForAsync(web, s => s.Phase == ResourcePhase.Running && s.Message != "written in term 2", "web's status written again in term 2");
        await _operator.Services.InsertOneAsync(MalformedServiceSpecs.Valid(Tenant, "api"));
        await _operator.WaitForAsync(Key("api"), s => s.Phase == ResourcePhase.Running, "api Running in term 2");
        Assert.Equal(2, await GenerationOfAsync(web));
        Assert.Equal(2, await GenerationOfAsync(Key("api")));
    }

    private async Task<long> GenerationOfAsync(ResourceKey key)
    {
        var document = await _operator!.Services.Find(MongoServiceStore.KeyFilter(key)).SingleAsync();
        return document["leaderGeneration"].ToInt64();
    }

    /// <summary>Another instance's leadership, confirmed, for the writes a newer leader makes.</summary>
    private sealed class LeadingTerm(long generation) : ILeadershipContext
    {
        public LeadershipTerm? Current { get; } = new("other-instance", generation, CancellationToken.None);

        public bool IsConfirmed => true;
    }
}
