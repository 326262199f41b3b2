using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Conformance;

/// <summary>
/// A command's <c>let</c> defines variables that its expressions read as <c>$$name</c>: $expr in filters, pipeline updates,
/// aggregation stages. MongoDB evaluates each once per command.
/// </summary>
public sealed class LetVariableTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly BsonDocument NameIsTarget = new("$expr", new BsonDocument("$eq", new BsonArray { "$name", "$$target" }));
    private static readonly BsonDocument LetTargetPear = new("target", "pear");

    private static async Task<IMongoCollection<BsonDocument>> FruitAsync(TestDatabase db)
    {
        var collection = db.Collection<BsonDocument>("fruit");
        await collection.InsertManyAsync(new[] { "apple", "pear", "plum" }.Select((name, i) => new BsonDocument { { "_id", i + 1 }, { "name", name }, { "qty", (i + 1) * 10 } }));
        return collection;
    }

    [Fact]
    public async Task Find_and_aggregate_read_let_variables_in_expr()
    {
        await using var db = NewDatabase();
        var fruit = await FruitAsync(db);

        var found = await fruit.Find(NameIsTarget, new FindOptions { Let = LetTargetPear }).ToListAsync();
        var aggregated = await fruit.Aggregate(new AggregateOptions { Let = new BsonDocument("limit", 15) })
            .Match(new BsonDocument("$expr", new BsonDocument("$gt", new BsonArray { "$qty", "$$limit" })))
            .Project(new BsonDocument { { "_id", 1 }, { "over", new BsonDocument("$subtract", new BsonArray { "$qty", "$$limit" }) } })
            .ToListAsync();

        Assert.Equal([2], found.Select(d => d["_id"].AsInt32));
        Assert.Equal([new BsonDocument { { "_id", 2 }, { "over", 5 } }, new BsonDocument { { "_id", 3 }, { "over", 15 } }], aggregated.OrderBy(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task Update_delete_and_findAndModify_read_let_variables()
    {
        await using var db = NewDatabase();
        var fruit = await FruitAsync(db);
        var pipelineUpdate = new PipelineUpdateDefinition<BsonDocument>(new BsonDocument[]
        {
            new("$set", new BsonDocument("qty", new BsonDocument("$add", new BsonArray { "$qty", "$$bonus" }))),
        });

        var updated = await fruit.UpdateManyAsync(new BsonDocument("$expr", new BsonDocument("$ne", new BsonArray { "$name", "$$target" })), pipelineUpdate,
            new UpdateOptions { Let = new BsonDocument { { "target", "pear" }, { "bonus", 1 } } });
        var modified = await fruit.FindOneAndUpdateAsync(NameIsTarget, Builders<BsonDocument>.Update.Set("picked", true),
            new FindOneAndUpdateOptions<BsonDocument> { Let = LetTargetPear, ReturnDocument = ReturnDocument.After });
        var deleted = await fruit.DeleteOneAsync(NameIsTarget, new DeleteOptions { Let = new BsonDocument("target", "plum") });

        Assert.Equal(2, updated.ModifiedCount);
        Assert.True(modified["picked"].AsBoolean);
        Assert.Equal(1, deleted.DeletedCount);
        var left = await fruit.Find(FilterDefinition<BsonDocument>.Empty).SortBy(d => d["_id"]).ToListAsync();
        Assert.Equal([11, 20], left.Select(d => d["qty"].ToInt32()));
    }

    [Fact]
    public async Task A_let_variable_named_like_a_system_variable_or_in_upper_case_is_refused()
    {
        await using var db = NewDatabase();
        var fruit = await FruitAsync(db);

        var upper = await Assert.ThrowsAsync<MongoCommandException>(() => fruit.Find(NameIsTarget, new FindOptions { Let = new BsonDocument("Target", "pear") }).ToListAsync());
        var undefined = await Assert.ThrowsAsync<MongoCommandException>(() => fruit.Find(NameIsTarget).ToListAsync());

        Output.WriteLine(upper.Message);
        Output.WriteLine(undefined.Message);
        Assert.Contains("Target", upper.Message);
        Assert.Equal(17276, undefined.Code);
    }

    [Fact]
    public async Task A_pipeline_update_that_replaces_the_document_keeps_its_id()
    {
        await using var db = NewDatabase();
        var fruit = await FruitAsync(db);

        await fruit.UpdateOneAsync(new BsonDocument("_id", 1), new PipelineUpdateDefinition<BsonDocument>(new BsonDocument[]
        {
            new("$replaceWith", new BsonDocument { { "name", "quince" } }),
        }));

        var replaced = await fruit.Find(new BsonDocument("_id", 1)).SingleAsync();
        Assert.Equal(new BsonDocument { { "_id", 1 }, { "name", "quince" } }, replaced);
    }
}
