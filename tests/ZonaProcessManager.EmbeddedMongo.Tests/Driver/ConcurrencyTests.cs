using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class ConcurrencyTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const int Clients = 16;

    [Fact]
    public async Task Concurrent_increments_from_many_clients_are_all_counted()
    {
        const int incrementsPerClient = 100;
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("counters").InsertOneAsync(BsonDocument.Parse("{ _id: 'hits', n: 0 }"));

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            using var client = Target.CreateClient();
            var counters = client.GetDatabase(db.Name).GetCollection<BsonDocument>("counters");
            for (var i = 0; i < incrementsPerClient; i++)
            {
                await counters.UpdateOneAsync(new BsonDocument("_id", "hits"), BsonDocument.Parse("{ $inc: { n: 1 } }"));
            }
        }));

        var total = (await db.Collection<BsonDocument>("counters").Find(new BsonDocument("_id", "hits")).SingleAsync())["n"].ToInt32();
        Assert.Equal(Clients * incrementsPerClient, total);
    }

    [Fact]
    public async Task Racing_inserts_of_the_same_id_let_exactly_one_win()
    {
        await using var db = NewDatabase();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async writer =>
        {
            using var client = Target.CreateClient();
            var collection = client.GetDatabase(db.Name).GetCollection<BsonDocument>("c");
            try
            {
                await collection.InsertOneAsync(new BsonDocument { { "_id", "contended" }, { "writer", writer } });
                return true;
            }
            catch (MongoWriteException ex) when (ex.WriteError.Category == ServerErrorCategory.DuplicateKey)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
        Assert.Equal(1, await db.Collection<BsonDocument>("c").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Concurrent_findOneAndUpdate_claims_hand_each_job_to_exactly_one_worker()
    {
        const int jobs = 64;
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("jobs").InsertManyAsync(
            Enumerable.Range(0, jobs).Select(i => new BsonDocument { { "_id", i }, { "state", "queued" } }));

        var claimed = await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            using var client = Target.CreateClient();
            var queue = client.GetDatabase(db.Name).GetCollection<BsonDocument>("jobs");
            var mine = new List<int>();
            while (true)
            {
                var job = await queue.FindOneAndUpdateAsync(
                    new BsonDocument("state", "queued"),
                    new BsonDocument("$set", new BsonDocument { { "state", "taken" }, { "worker", worker } }));
                if (job is null)
                {
                    return mine;
                }

                mine.Add(job["_id"].AsInt32);
            }
        }));

        var all = claimed.SelectMany(ids => ids).Order().ToList();
        Assert.Equal(Enumerable.Range(0, jobs), all);
    }
}
