using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

/// <summary>Each filter runs against the same small collection; expected ids follow MongoDB's documented semantics.</summary>
public sealed class QueryOperatorTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly BsonDocument[] Documents =
    [
        BsonDocument.Parse("{ _id: 1, qty: 5, name: 'apple', tags: ['fruit', 'red'], size: { h: 10, uom: 'cm' }, items: [{ sku: 'a', n: 1 }, { sku: 'b', n: 5 }] }"),
        BsonDocument.Parse("{ _id: 2, qty: 15, name: 'Banana', tags: ['fruit', 'yellow', 'long'], size: { h: 20, uom: 'cm' }, items: [{ sku: 'a', n: 7 }] }"),
        BsonDocument.Parse("{ _id: 3, qty: 25.5, name: 'carrot', tags: ['vegetable'], size: { h: 30, uom: 'in' }, items: [] }"),
        BsonDocument.Parse("{ _id: 4, qty: '7', name: 'date', tags: [], flag: null }"),
        BsonDocument.Parse("{ _id: 5, qty: NumberLong(15), name: 'elder', tags: 'fruit', extra: true }"),
        BsonDocument.Parse("{ _id: 6, name: 'fig', budget: 10, spent: 12 }"),
    ];

    public static TheoryData<string, int[]> Filters => new()
    {
        { "{ qty: 15 }", [2, 5] },
        { "{ qty: { $eq: 15 } }", [2, 5] },
        { "{ qty: { $ne: 15 } }", [1, 3, 4, 6] },
        { "{ qty: { $gt: 5 } }", [2, 3, 5] },
        { "{ qty: { $gte: 5 } }", [1, 2, 3, 5] },
        { "{ qty: { $lt: 15 } }", [1] },
        { "{ qty: { $lte: 15 } }", [1, 2, 5] },
        { "{ qty: { $gt: '5' } }", [4] },
        { "{ qty: { $in: [5, '7'] } }", [1, 4] },
        { "{ qty: { $nin: [5, '7'] } }", [2, 3, 5, 6] },
        { "{ $and: [{ qty: { $gt: 1 } }, { tags: 'fruit' }] }", [1, 2, 5] },
        { "{ $or: [{ name: 'fig' }, { qty: 5 }] }", [1, 6] },
        { "{ $nor: [{ tags: 'fruit' }, { qty: { $exists: false } }] }", [3, 4] },
        { "{ qty: { $not: { $gt: 10 } } }", [1, 4, 6] },
        { "{ flag: { $exists: true } }", [4] },
        { "{ flag: null }", [1, 2, 3, 4, 5, 6] },
        { "{ qty: { $type: 'string' } }", [4] },
        { "{ qty: { $type: 'number' } }", [1, 2, 3, 5] },
        { "{ qty: { $type: 'long' } }", [5] },
        { "{ tags: { $type: 'array' } }", [1, 2, 3, 4] },
        { "{ name: { $regex: '^b', $options: 'i' } }", [2] },
        { "{ name: /an/ }", [2] },
        { "{ tags: 'fruit' }", [1, 2, 5] },
        { "{ tags: ['fruit', 'red'] }", [1] },
        { "{ tags: { $all: ['fruit', 'yellow'] } }", [2] },
        { "{ tags: { $size: 0 } }", [4] },
        { "{ tags: { $size: 3 } }", [2] },
        { "{ 'tags.1': 'yellow' }", [2] },
        { "{ 'size.uom': 'cm' }", [1, 2] },
        { "{ 'size.h': { $gte: 20 } }", [2, 3] },
        { "{ size: { h: 10, uom: 'cm' } }", [1] },
        { "{ size: { uom: 'cm', h: 10 } }", [] },
        { "{ 'items.sku': 'a' }", [1, 2] },
        { "{ 'items.n': { $gt: 6 } }", [2] },
        { "{ items: { $elemMatch: { sku: 'a', n: { $gte: 5 } } } }", [2] },
        { "{ 'items.sku': 'a', 'items.n': 5 }", [1] },
        { "{ $expr: { $gt: ['$spent', '$budget'] } }", [6] },
        { "{ missing: { $exists: false }, extra: true }", [5] },
        { "{ _id: { $in: [] } }", [] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Filter_matches_the_documented_documents(string filter, int[] expectedIds)
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertManyAsync(Documents.Select(d => d.DeepClone().AsBsonDocument));

        var found = await collection.Find(BsonDocument.Parse(filter)).Sort(new BsonDocument("_id", 1)).ToListAsync();

        Assert.Equal(expectedIds, found.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task Sort_orders_mixed_types_in_MongoDBs_cross_type_order()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertManyAsync(
        [
            BsonDocument.Parse("{ _id: 'bool', v: true }"),
            BsonDocument.Parse("{ _id: 'string', v: 'a' }"),
            BsonDocument.Parse("{ _id: 'null', v: null }"),
            BsonDocument.Parse("{ _id: 'double', v: 2.5 }"),
            BsonDocument.Parse("{ _id: 'int', v: 1 }"),
            BsonDocument.Parse("{ _id: 'object', v: { a: 1 } }"),
            BsonDocument.Parse("{ _id: 'date', v: ISODate('2020-01-01T00:00:00Z') }"),
            BsonDocument.Parse("{ _id: 'objectid', v: ObjectId('5f0000000000000000000000') }"),
        ]);

        var ordered = await collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("v", 1)).ToListAsync();

        // MinKey < null < numbers < strings < objects < arrays < binData < ObjectId < bool < date < ...
        Assert.Equal(["null", "int", "double", "string", "object", "objectid", "bool", "date"], ordered.Select(d => d["_id"].AsString));
    }

    [Fact]
    public async Task An_invalid_operator_is_a_clear_query_error()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument("a", 1));

        var error = await Assert.ThrowsAsync<MongoCommandException>(
            () => collection.Find(BsonDocument.Parse("{ a: { $frob: 1 } }")).ToListAsync());

        Assert.Equal(2, error.Code);
        Assert.Contains("$frob", error.Message);
    }
}
