using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Conformance;

/// <summary>
/// $getField, $setField and $unsetField reach field names that field paths cannot: names with a dot or a leading '$'
/// ("dots and dollars"), which MongoDB stores since 5.0.
/// </summary>
public sealed class FieldOperatorTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static async Task<IMongoCollection<BsonDocument>> PricesAsync(TestDatabase db)
    {
        var collection = db.Collection<BsonDocument>("prices");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "price.usd", 5 }, { "$tax", 2 }, { "item", "pen" } });
        return collection;
    }

    [Fact]
    public async Task GetField_reads_dotted_and_dollar_names_that_field_paths_cannot()
    {
        await using var db = NewDatabase();
        var prices = await PricesAsync(db);

        var projected = await prices.Aggregate().Project(new BsonDocument
        {
            { "_id", 0 },
            { "usd", new BsonDocument("$getField", "price.usd") },
            { "tax", new BsonDocument("$getField", new BsonDocument("$literal", "$tax")) },
            { "missing", new BsonDocument("$getField", new BsonDocument { { "field", "nope" }, { "input", "$$ROOT" } }) },
            { "ofNull", new BsonDocument("$getField", new BsonDocument { { "field", "x" }, { "input", BsonNull.Value } }) },
        }).SingleAsync();

        Assert.Equal(new BsonDocument { { "usd", 5 }, { "tax", 2 }, { "ofNull", BsonNull.Value } }, projected);
    }

    [Fact]
    public async Task A_pipeline_update_sets_and_unsets_such_fields_and_keeps_the_others_in_order()
    {
        await using var db = NewDatabase();
        var prices = await PricesAsync(db);

        await prices.UpdateOneAsync(new BsonDocument("_id", 1), new PipelineUpdateDefinition<BsonDocument>(new BsonDocument[]
        {
            new("$replaceWith", new BsonDocument("$setField", new BsonDocument { { "field", "price.usd" }, { "input", "$$ROOT" }, { "value", 6 } })),
            new("$replaceWith", new BsonDocument("$unsetField", new BsonDocument { { "field", new BsonDocument("$literal", "$tax") }, { "input", "$$ROOT" } })),
            new("$replaceWith", new BsonDocument("$setField", new BsonDocument { { "field", "in.stock" }, { "input", "$$ROOT" }, { "value", true } })),
        }));

        var updated = await prices.Find(new BsonDocument("_id", 1)).SingleAsync();
        Assert.Equal(new BsonDocument { { "_id", 1 }, { "price.usd", 6 }, { "item", "pen" }, { "in.stock", true } }, updated);
    }
}
