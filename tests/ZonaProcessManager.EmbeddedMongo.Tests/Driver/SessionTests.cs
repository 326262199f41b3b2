using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class SessionTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    // The txnNumber tests use a client of their own cluster (a distinct application name; clients with equal settings
    // share one, and its session pool): the driver pools server sessions and numbers its own retryable writes on them,
    // and a hand-picked txnNumber below one the driver already used on that session is refused as too old, as MongoDB does.
    [Fact]
    public async Task A_retried_write_with_the_same_session_and_txnNumber_is_applied_once()
    {
        await using var db = NewDatabase();
        var counters = db.Collection<BsonDocument>("counters");
        await counters.InsertOneAsync(BsonDocument.Parse("{ _id: 'c', n: 0 }"));
        using var client = Target.CreateClient(settings => settings.ApplicationName = "session-test-" + Guid.NewGuid().ToString("N"));
        using var session = await client.StartSessionAsync();
        var database = client.GetDatabase(db.Name);
        // What a driver sends when it retries after a lost reply: the same lsid (from the session) and txnNumber.
        var increment = BsonDocument.Parse("{ update: 'counters', updates: [{ q: { _id: 'c' }, u: { $inc: { n: 1 } } }], txnNumber: NumberLong(1) }");

        var first = await database.RunCommandAsync<BsonDocument>(session, increment);
        var retry = await database.RunCommandAsync<BsonDocument>(session, increment);

        var applied = (await counters.Find(new BsonDocument("_id", "c")).SingleAsync())["n"].ToInt32();
        Assert.True(applied == 1, $"the retried write (same lsid and txnNumber) was applied {applied} times");
        Assert.Equal(1, first["n"].ToInt32());
        Assert.Equal(1, retry["n"].ToInt32());
    }

    [Fact]
    public async Task A_new_txnNumber_on_the_same_session_is_a_new_write()
    {
        await using var db = NewDatabase();
        var counters = db.Collection<BsonDocument>("counters");
        await counters.InsertOneAsync(BsonDocument.Parse("{ _id: 'c', n: 0 }"));
        using var client = Target.CreateClient(settings => settings.ApplicationName = "session-test-" + Guid.NewGuid().ToString("N"));
        using var session = await client.StartSessionAsync();

        foreach (var txnNumber in new long[] { 1, 2, 2, 3 })
        {
            var increment = BsonDocument.Parse("{ update: 'counters', updates: [{ q: { _id: 'c' }, u: { $inc: { n: 1 } } }] }");
            increment["txnNumber"] = txnNumber;
            await client.GetDatabase(db.Name).RunCommandAsync<BsonDocument>(session, increment);
        }

        var applied = (await counters.Find(new BsonDocument("_id", "c")).SingleAsync())["n"].ToInt32();
        Assert.True(applied == 3, $"txnNumbers 1, 2, 2 (a retry), 3 should apply 3 increments, applied {applied}");
    }

    [Fact]
    public async Task Operations_in_a_causally_consistent_session_read_their_own_writes()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        using var session = await db.Client.StartSessionAsync(new ClientSessionOptions { CausalConsistency = true });

        await collection.InsertOneAsync(session, new BsonDocument("_id", 1));
        var found = await collection.Find(session, new BsonDocument("_id", 1)).SingleOrDefaultAsync();

        Assert.NotNull(found);
        Assert.NotNull(session.OperationTime);
        Assert.NotNull(session.ClusterTime);
    }

    [Fact]
    public async Task EndSessions_accepts_ended_session_ids()
    {
        await using var db = NewDatabase();
        using var session = await db.Client.StartSessionAsync();
        await db.Collection<BsonDocument>("c").InsertOneAsync(session, new BsonDocument("_id", 1));

        var reply = await db.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(
            new BsonDocument("endSessions", new BsonArray { session.ServerSession.Id }));

        Assert.Equal(1, reply["ok"].ToInt32());
    }

    [Fact]
    public async Task Committed_transaction_makes_all_its_writes_visible()
    {
        await using var db = NewDatabase();
        var accounts = db.Collection<BsonDocument>("accounts");
        await accounts.InsertManyAsync([BsonDocument.Parse("{ _id: 'a', balance: 10 }"), BsonDocument.Parse("{ _id: 'b', balance: 0 }")]);
        using var session = await db.Client.StartSessionAsync();

        session.StartTransaction();
        await accounts.UpdateOneAsync(session, new BsonDocument("_id", "a"), BsonDocument.Parse("{ $inc: { balance: -5 } }"));
        await accounts.UpdateOneAsync(session, new BsonDocument("_id", "b"), BsonDocument.Parse("{ $inc: { balance: 5 } }"));
        await session.CommitTransactionAsync();

        Assert.Equal([5, 5], await BalancesAsync(accounts));
    }

    [Fact]
    public async Task Aborted_transaction_leaves_no_trace()
    {
        await using var db = NewDatabase();
        var accounts = db.Collection<BsonDocument>("accounts");
        await accounts.InsertOneAsync(BsonDocument.Parse("{ _id: 'a', balance: 10 }"));
        using var session = await db.Client.StartSessionAsync();

        session.StartTransaction();
        await accounts.UpdateOneAsync(session, new BsonDocument("_id", "a"), BsonDocument.Parse("{ $inc: { balance: -5 } }"));
        await accounts.InsertOneAsync(session, BsonDocument.Parse("{ _id: 'b', balance: 5 }"));
        await session.AbortTransactionAsync();

        var stored = await accounts.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal([BsonDocument.Parse("{ _id: 'a', balance: 10 }")], stored);
    }

    [Fact]
    public async Task Uncommitted_transaction_writes_are_invisible_outside_the_transaction_and_read_inside_it()
    {
        await using var db = NewDatabase();
        var accounts = db.Collection<BsonDocument>("accounts");
        await db.Database.CreateCollectionAsync("accounts");
        using var session = await db.Client.StartSessionAsync();

        session.StartTransaction();
        await accounts.InsertOneAsync(session, BsonDocument.Parse("{ _id: 'pending', balance: 1 }"));
        var insideBeforeCommit = await accounts.CountDocumentsAsync(session, FilterDefinition<BsonDocument>.Empty);
        var outsideBeforeCommit = await accounts.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);
        await session.CommitTransactionAsync();

        Assert.Equal(1, insideBeforeCommit);
        Assert.Equal(0, outsideBeforeCommit);
        Assert.Equal(1, await accounts.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    private static async Task<List<int>> BalancesAsync(IMongoCollection<BsonDocument> accounts) =>
        (await accounts.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync())
            .Select(d => d["balance"].ToInt32())
            .ToList();
}
