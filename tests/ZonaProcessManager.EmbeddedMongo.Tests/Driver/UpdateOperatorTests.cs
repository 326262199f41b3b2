using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class UpdateOperatorTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    public static TheoryData<string, string, string> Updates => new()
    {
        // initial document, update, expected document
        { "{ _id: 1, a: 1 }", "{ $set: { a: 2, 'b.c': 3 } }", "{ _id: 1, a: 2, b: { c: 3 } }" },
        { "{ _id: 1, a: 1, b: 2 }", "{ $unset: { a: '', zz: '' } }", "{ _id: 1, b: 2 }" },
        { "{ _id: 1, n: 1 }", "{ $inc: { n: 5, m: -2 } }", "{ _id: 1, n: 6, m: -2 }" },
        { "{ _id: 1, n: 3 }", "{ $mul: { n: 4, z: 2 } }", "{ _id: 1, n: 12, z: 0 }" },
        { "{ _id: 1, lo: 5, hi: 5 }", "{ $min: { lo: 3, hi: 9 } }", "{ _id: 1, lo: 3, hi: 5 }" },
        { "{ _id: 1, lo: 5, hi: 5 }", "{ $max: { lo: 3, hi: 9 } }", "{ _id: 1, lo: 5, hi: 9 }" },
        { "{ _id: 1, old: 'v', keep: 1 }", "{ $rename: { old: 'new' } }", "{ _id: 1, keep: 1, new: 'v' }" },
        { "{ _id: 1, a: [1] }", "{ $push: { a: 2 } }", "{ _id: 1, a: [1, 2] }" },
        { "{ _id: 1, a: [1, 2] }", "{ $push: { a: { $each: [3, 4, 5], $slice: -3 } } }", "{ _id: 1, a: [3, 4, 5] }" },
        { "{ _id: 1, a: [1, 2] }", "{ $push: { a: { $each: [9], $position: 0 } } }", "{ _id: 1, a: [9, 1, 2] }" },
        { "{ _id: 1 }", "{ $push: { a: 1 } }", "{ _id: 1, a: [1] }" },
        { "{ _id: 1, a: [1, 2] }", "{ $addToSet: { a: 2 } }", "{ _id: 1, a: [1, 2] }" },
        { "{ _id: 1, a: [1, 2] }", "{ $addToSet: { a: { $each: [2, 3, 3] } } }", "{ _id: 1, a: [1, 2, 3] }" },
        { "{ _id: 1, a: [1, 5, 2, 8] }", "{ $pull: { a: { $gte: 5 } } }", "{ _id: 1, a: [1, 2] }" },
        { "{ _id: 1, a: [{ k: 1 }, { k: 2 }] }", "{ $pull: { a: { k: 1 } } }", "{ _id: 1, a: [{ k: 2 }] }" },
        { "{ _id: 1, a: [1, 2, 1, 3] }", "{ $pullAll: { a: [1, 3] } }", "{ _id: 1, a: [2] }" },
        { "{ _id: 1, a: [1, 2, 3] }", "{ $pop: { a: 1 } }", "{ _id: 1, a: [1, 2] }" },
        { "{ _id: 1, a: [1, 2, 3] }", "{ $pop: { a: -1 } }", "{ _id: 1, a: [2, 3] }" },
        { "{ _id: 1, a: [1, 2, 3] }", "{ $inc: { 'a.$[]': 10 } }", "{ _id: 1, a: [11, 12, 13] }" },
        { "{ _id: 1, a: [{ x: 1 }, { x: 2 }] }", "{ $set: { 'a.$[].y': 0 } }", "{ _id: 1, a: [{ x: 1, y: 0 }, { x: 2, y: 0 }] }" },
        { "{ _id: 1, a: [1, 2] }", "{ $set: { 'a.1': 20, 'a.3': 40 } }", "{ _id: 1, a: [1, 20, null, 40] }" },
        { "{ _id: 1, a: 1 }", "{ $setOnInsert: { b: 1 } }", "{ _id: 1, a: 1 }" },
    };

    [Theory]
    [MemberData(nameof(Updates))]
    public async Task Update_operator_produces_the_documented_document(string initial, string update, string expected)
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(BsonDocument.Parse(initial));

        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse(update));

        var stored = await collection.Find(new BsonDocument("_id", 1)).SingleAsync();
        Assert.Equal(BsonDocument.Parse(expected), stored);
    }

    [Fact]
    public async Task SetOnInsert_applies_only_when_the_upsert_inserts()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        var update = BsonDocument.Parse("{ $setOnInsert: { created: 'first' }, $inc: { hits: 1 } }");
        var options = new UpdateOptions { IsUpsert = true };

        await collection.UpdateOneAsync(new BsonDocument("_id", "k"), update, options);
        await collection.UpdateOneAsync(new BsonDocument("_id", "k"), update.DeepClone().AsBsonDocument, options);

        Assert.Equal(BsonDocument.Parse("{ _id: 'k', created: 'first', hits: 2 }"), await collection.Find(new BsonDocument("_id", "k")).SingleAsync());
    }

    [Fact]
    public async Task CurrentDate_sets_a_server_date_close_to_now()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument("_id", 1));
        var before = DateTime.UtcNow.AddMinutes(-5);

        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $currentDate: { at: true, ts: { $type: 'timestamp' } } }"));

        var stored = await collection.Find(new BsonDocument("_id", 1)).SingleAsync();
        Assert.Equal(BsonType.DateTime, stored["at"].BsonType);
        Assert.InRange(stored["at"].ToUniversalTime(), before, DateTime.UtcNow.AddMinutes(5));
        Assert.Equal(BsonType.Timestamp, stored["ts"].BsonType);
    }

    [Fact]
    public async Task Changing_the_id_is_refused_and_the_document_stays_as_it_was()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "a", 1 } });

        var error = await Assert.ThrowsAsync<MongoWriteException>(
            () => collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { _id: 2, a: 2 } }")));

        Assert.Equal(66, error.WriteError.Code);
        Assert.Equal(new BsonDocument { { "_id", 1 }, { "a", 1 } }, await collection.Find(new BsonDocument("_id", 1)).SingleAsync());
    }

    [Fact]
    public async Task Incrementing_a_string_is_refused_with_TypeMismatch()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "a", "text" } });

        var error = await Assert.ThrowsAsync<MongoWriteException>(
            () => collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $inc: { a: 1 } }")));

        Assert.Equal(14, error.WriteError.Code);
        Assert.Equal("text", (await collection.Find(new BsonDocument("_id", 1)).SingleAsync())["a"].AsString);
    }
}
