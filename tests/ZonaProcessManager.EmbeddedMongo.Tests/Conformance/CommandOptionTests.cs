using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Conformance;

/// <summary>
/// No option is read and dropped: a field MongoDB 7.0 does not know is refused as by MongoDB (40415), and one MongoDB
/// knows is either honoured or refused with 238 NotImplemented naming it, never ignored.
/// </summary>
public sealed class CommandOptionTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const int UnknownField = 40415;
    private const int NotImplemented = 238;

    [Theory]
    [InlineData("{ find: 'c', frobnicate: 1 }", "find.frobnicate")]
    [InlineData("{ aggregate: 'c', pipeline: [], cursor: {}, frobnicate: 1 }", "aggregate.frobnicate")]
    [InlineData("{ count: 'c', frobnicate: 1 }", "count.frobnicate")]
    [InlineData("{ distinct: 'c', key: 'x', frobnicate: 1 }", "distinct.frobnicate")]
    [InlineData("{ findAndModify: 'c', query: {}, remove: true, frobnicate: 1 }", "findAndModify.frobnicate")]
    [InlineData("{ insert: 'c', documents: [{ x: 1 }], frobnicate: 1 }", "insert.frobnicate")]
    [InlineData("{ update: 'c', updates: [{ q: {}, u: { $set: { x: 2 } } }], frobnicate: 1 }", "update.frobnicate")]
    [InlineData("{ delete: 'c', deletes: [{ q: {}, limit: 0 }], frobnicate: 1 }", "delete.frobnicate")]
    [InlineData("{ delete: 'c', deletes: [{ q: {}, limit: 0, frobnicate: 1 }] }", "frobnicate")]
    [InlineData("{ createIndexes: 'c', indexes: [{ key: { x: 1 }, name: 'x_1' }], frobnicate: 1 }", "createIndexes.frobnicate")]
    public async Task A_field_MongoDB_does_not_know_is_refused_and_nothing_is_written(string command, string field)
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "x", 1 } });

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => db.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse(command)));

        Output.WriteLine(error.Message);
        Assert.Equal(UnknownField, error.Code);
        Assert.Contains(field, error.Message);
        Assert.Equal([new BsonDocument { { "_id", 1 }, { "x", 1 } }], await collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
        Assert.Single(await (await collection.Indexes.ListAsync()).ToListAsync());
    }

    [Fact]
    public async Task Sort_in_an_update_statement_is_an_unknown_field_in_MongoDB_7()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertManyAsync([new BsonDocument { { "_id", 1 }, { "x", 1 } }, new BsonDocument { { "_id", 2 }, { "x", 1 } }]);

        var reply = await RunAllowingWriteErrorsAsync(db, "{ update: 'c', updates: [{ q: {}, u: { $set: { y: 1 } }, sort: { _id: -1 } }] }");

        Output.WriteLine(reply.ToJson());
        Assert.Equal(UnknownField, reply["code"].ToInt32());
        Assert.Contains("sort", reply["errmsg"].AsString);
        Assert.Equal(0, await collection.CountDocumentsAsync(new BsonDocument("y", 1)));
    }

    [Fact]
    public async Task ReturnKey_and_showRecordId_are_answered_as_MongoDB_does_or_refused_by_name()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument { { "_id", 1 }, { "x", 1 } });

        foreach (var option in new[] { "returnKey", "showRecordId" })
        {
            try
            {
                var reply = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "find", "c" }, { option, true } });
                var document = reply["cursor"]["firstBatch"].AsBsonArray.Single().AsBsonDocument;
                Output.WriteLine($"{option}: {document.ToJson()}");
                // MongoDB: returnKey over a collection scan returns empty documents; showRecordId adds $recordId.
                Assert.True(option == "returnKey" ? document.ElementCount == 0 : document.Contains("$recordId"), $"{option} was ignored: {document.ToJson()}");
            }
            catch (MongoCommandException error)
            {
                Output.WriteLine($"{option}: {error.Message}");
                Assert.Equal(NotImplemented, error.Code);
                Assert.Contains(option, error.Message);
            }
        }
    }

    [Theory]
    [InlineData("{ _id: { $a: 1 } }")]
    [InlineData("{ _id: { a: { $b: 1 } } }")]
    public async Task An_id_holding_dollar_prefixed_fields_is_refused(string document)
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");

        var insert = await Assert.ThrowsAsync<MongoWriteException>(() => collection.InsertOneAsync(BsonDocument.Parse(document)));
        var replace = await Assert.ThrowsAsync<MongoWriteException>(() => collection.ReplaceOneAsync(new BsonDocument("_id", "missing"),
            BsonDocument.Parse(document), new ReplaceOptions { IsUpsert = true }));

        Output.WriteLine(insert.Message);
        Assert.Equal(52, insert.WriteError.Code);
        Output.WriteLine(replace.Message);
        Assert.Equal(0, await collection.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    private static async Task<BsonDocument> RunAllowingWriteErrorsAsync(TestDatabase db, string command)
    {
        try
        {
            var reply = await db.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse(command));
            return reply.TryGetValue("writeErrors", out var errors) ? errors.AsBsonArray[0].AsBsonDocument : reply;
        }
        catch (MongoCommandException error)
        {
            return error.Result;
        }
    }
}
