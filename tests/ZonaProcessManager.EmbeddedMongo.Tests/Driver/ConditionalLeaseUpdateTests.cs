using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

/// <summary>
/// What a lease taken and renewed by one conditional update relies on: pipeline updates that read $$NOW (one value per
/// operation), $expr comparing a stored time with $$NOW in a findAndModify filter, $expr refused in an upsert's query,
/// an upsert whose update is a pipeline, the duplicate key a losing upsert gets, and a change stream narrowed to one
/// document.
/// </summary>
public sealed class ConditionalLeaseUpdateTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly BsonDocument Lapsed = new("$expr", new BsonDocument("$lte", new BsonArray { "$expiresAt", "$$NOW" }));

    private static PipelineDefinition<BsonDocument, BsonDocument> Take(string holder, long leaseMilliseconds) =>
        new EmptyPipelineDefinition<BsonDocument>().AppendStage<BsonDocument, BsonDocument, BsonDocument>(new BsonDocument("$set", new BsonDocument
        {
            ["holder"] = holder,
            ["renewedAt"] = "$$NOW",
            ["expiresAt"] = new BsonDocument("$add", new BsonArray { "$$NOW", leaseMilliseconds }),
            ["generation"] = new BsonDocument("$add", new BsonArray { new BsonDocument("$ifNull", new BsonArray { "$generation", 0L }), 1L }),
        }));

    private static BsonDocument HeldByOrLapsed(string holder) => new()
    {
        ["_id"] = "lease",
        ["$or"] = new BsonArray { new BsonDocument("holder", holder), Lapsed },
    };

    [Fact]
    public async Task NOW_is_one_value_throughout_one_update()
    {
        await using var db = NewDatabase();
        var leases = db.Collection<BsonDocument>("leases");
        // Evaluated between the two reads of $$NOW, this takes well over a millisecond, the resolution of a BSON date.
        var slow = new BsonDocument("$size", new BsonDocument("$map", new BsonDocument
        {
            ["input"] = new BsonDocument("$literal", new BsonArray(Enumerable.Range(0, 20_000))),
            ["in"] = new BsonDocument("$concat", new BsonArray { "x", new BsonDocument("$toString", "$$this") }),
        }));
        var update = new EmptyPipelineDefinition<BsonDocument>().AppendStage<BsonDocument, BsonDocument, BsonDocument>(new BsonDocument("$set", new BsonDocument
        {
            ["before"] = "$$NOW",
            ["work"] = slow,
            ["after"] = "$$NOW",
        }));
        for (var i = 0; i < 10; i++)
        {
            await leases.UpdateOneAsync(new BsonDocument("_id", i), Builders<BsonDocument>.Update.Pipeline(update), new UpdateOptions { IsUpsert = true });
        }

        var stored = await leases.Find(new BsonDocument()).ToListAsync();
        Assert.Equal(10, stored.Count);
        Assert.All(stored, document => Assert.Equal(document["before"], document["after"]));
    }

    [Fact]
    public async Task An_upsert_whose_query_holds_expr_is_refused_whether_or_not_a_document_matches()
    {
        await using var db = NewDatabase();
        var leases = db.Collection<BsonDocument>("leases");
        var upsert = new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true };

        var missing = await Assert.ThrowsAsync<MongoCommandException>(() =>
            leases.FindOneAndUpdateAsync<BsonDocument>(HeldByOrLapsed("a"), Builders<BsonDocument>.Update.Pipeline(Take("a", 60_000)), upsert));
        await leases.InsertOneAsync(new BsonDocument { ["_id"] = "lease", ["holder"] = "a", ["expiresAt"] = DateTime.UtcNow.AddMinutes(-1) });
        var present = await Assert.ThrowsAsync<MongoWriteException>(() =>
            leases.UpdateOneAsync(HeldByOrLapsed("a"), Builders<BsonDocument>.Update.Pipeline(Take("a", 60_000)), new UpdateOptions { IsUpsert = true }));

        Assert.Equal(224, missing.Code);
        Assert.Equal(224, present.WriteError.Code);
        Assert.False((await leases.Find(new BsonDocument("_id", "lease")).SingleAsync()).Contains("generation"), "the refused update changed nothing");
    }

    [Fact]
    public async Task An_upsert_that_matches_no_existing_lease_creates_it_once_and_a_second_creator_gets_a_duplicate_key()
    {
        await using var db = NewDatabase();
        var leases = db.Collection<BsonDocument>("leases");
        var missing = new BsonDocument { ["_id"] = "lease", ["holder"] = new BsonDocument("$exists", false) };
        var options = new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After };

        var created = await leases.FindOneAndUpdateAsync<BsonDocument>(missing, Builders<BsonDocument>.Update.Pipeline(Take("a", 60_000)), options);
        var refused = await Assert.ThrowsAsync<MongoCommandException>(() =>
            leases.FindOneAndUpdateAsync<BsonDocument>(missing, Builders<BsonDocument>.Update.Pipeline(Take("b", 60_000)), options));

        Assert.Equal("a", created["holder"].AsString);
        Assert.Equal(1, created["generation"].ToInt64());
        Assert.Equal(11000, refused.Code);
        Assert.Equal("a", (await leases.Find(new BsonDocument("_id", "lease")).SingleAsync())["holder"].AsString);
    }

    [Fact]
    public async Task A_lease_that_expired_by_the_store_clock_is_taken_and_its_generation_bumped()
    {
        await using var db = NewDatabase();
        var leases = db.Collection<BsonDocument>("leases");
        await leases.InsertOneAsync(new BsonDocument { ["_id"] = "lease", ["holder"] = "a", ["generation"] = 4L, ["expiresAt"] = DateTime.UtcNow.AddMinutes(-1) });

        var taken = await leases.FindOneAndUpdateAsync<BsonDocument>(
            HeldByOrLapsed("b"),
            Builders<BsonDocument>.Update.Pipeline(Take("b", 60_000)),
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.Before });

        Assert.Equal("a", taken["holder"].AsString);
        var stored = await leases.Find(new BsonDocument("_id", "lease")).SingleAsync();
        Assert.Equal("b", stored["holder"].AsString);
        Assert.Equal(5, stored["generation"].ToInt64());
    }

    [Fact]
    public async Task A_change_stream_matched_on_one_document_key_reports_only_that_document()
    {
        await using var db = NewDatabase();
        var leases = db.Collection<BsonDocument>("leases");
        var pipeline = new EmptyPipelineDefinition<ChangeStreamDocument<BsonDocument>>().Match(new BsonDocument("documentKey._id", "mine"));
        using var reader = new ChangeStreamReader<BsonDocument>(await leases.WatchAsync(pipeline, ChangeStreamReader<BsonDocument>.Options()));

        await leases.InsertOneAsync(new BsonDocument { ["_id"] = "other", ["holder"] = "x" });
        await leases.InsertOneAsync(new BsonDocument { ["_id"] = "mine", ["holder"] = "x" });
        await leases.UpdateOneAsync(new BsonDocument("_id", "other"), new BsonDocument("$set", new BsonDocument("holder", "y")));
        await leases.UpdateOneAsync(new BsonDocument("_id", "mine"), new BsonDocument("$set", new BsonDocument("holder", BsonNull.Value)));

        var first = await reader.NextAsync();
        var second = await reader.NextAsync();
        Assert.Equal((ChangeStreamOperationType.Insert, "mine"), (first.OperationType, first.DocumentKey["_id"].AsString));
        Assert.Equal((ChangeStreamOperationType.Update, "mine"), (second.OperationType, second.DocumentKey["_id"].AsString));
    }
}
