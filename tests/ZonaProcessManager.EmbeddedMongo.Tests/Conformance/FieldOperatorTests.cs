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

    [Theory]
    [InlineData("$getField", "{ input: { a: 'b' } }", 3041702)]
    [InlineData("$getField", "{ field: 'a', input: { a: 'b' }, unknown: true }", 3041701)]
    [InlineData("$getField", "{ field: '$a', input: { a: 'b' } }", 5654600)]
    [InlineData("$getField", "'$$CURRENT.a'", 5654600)]
    [InlineData("$getField", "{ field: { a: 1 }, input: { a: 1 } }", 5654601)]
    [InlineData("$getField", "{ field: { $concat: ['a', 'b'] }, input: { a: 1 } }", 5654601)]
    [InlineData("$getField", "{ $add: [2, 3] }", 5654601)]
    [InlineData("$getField", "{ field: true, input: { a: 'b' } }", 5654602)]
    [InlineData("$getField", "{ field: null, input: { a: 1 } }", 5654602)]
    [InlineData("$getField", "5", 5654602)]
    [InlineData("$getField", "{ $const: true }", 5654602)]
    [InlineData("$setField", "5", 4161100)]
    [InlineData("$setField", "{ $add: [2, 3] }", 4161101)]
    [InlineData("$setField", "{ field: 'a', input: { a: 'b' }, value: 24, unknown: true }", 4161101)]
    [InlineData("$setField", "{ input: { a: 'b' } }", 4161102)]
    [InlineData("$setField", "{ field: 'a', input: { a: 'b' } }", 4161103)]
    [InlineData("$setField", "{ field: 'foo', value: 0 }", 4161109)]
    [InlineData("$setField", "{ field: null, value: 0 }", 4161109)]
    [InlineData("$setField", "{ field: '$field_path', input: {}, value: 0 }", 4161108)]
    [InlineData("$setField", "{ field: { $concat: ['a.b', '.', 'c'] }, input: {}, value: 1 }", 4161106)]
    [InlineData("$setField", "{ field: true, input: { a: 'b' }, value: 24 }", 4161107)]
    [InlineData("$setField", "{ field: 'a', input: true, value: 24 }", 4161105)]
    [InlineData("$unsetField", "'foo'", 4161100)]
    [InlineData("$unsetField", "{ field: 'a', value: 'foo' }", 4161101)]
    [InlineData("$unsetField", "{ field: 'foo' }", 4161109)]
    [InlineData("$unsetField", "{ field: 33, input: 33 }", 4161107)]
    public async Task Malformed_arguments_are_refused_with_MongoDBs_codes(string operatorName, string arguments, int code)
    {
        await using var db = NewDatabase();
        var prices = await PricesAsync(db);

        var error = await Assert.ThrowsAsync<MongoCommandException>(() =>
            prices.Aggregate().Project(BsonDocument.Parse($"{{ test: {{ {operatorName}: {arguments} }} }}")).ToListAsync());

        Assert.True(error.Code == code, $"{operatorName}: {arguments} answered {error.Code} ({error.ErrorMessage}), expected {code}");
    }

    [Fact]
    public async Task GetField_of_a_missing_or_non_object_input_is_missing_and_of_a_null_input_is_null()
    {
        await using var db = NewDatabase();
        var prices = await PricesAsync(db);

        var projected = await prices.Aggregate().Project(BsonDocument.Parse("""
            {
                _id: 0,
                ofTrue: { $getField: { field: 'a', input: true } },
                ofMissing: { $getField: { field: 'a', input: '$nope' } },
                ofNull: { $getField: { field: 'a', input: null } },
                viaConst: { $getField: { $const: '$tax' } },
                defaultInput: { $getField: { field: 'item' } }
            }
            """)).SingleAsync();

        Assert.Equal(BsonDocument.Parse("{ ofNull: null, viaConst: 2, defaultInput: 'pen' }"), projected);
    }
}
