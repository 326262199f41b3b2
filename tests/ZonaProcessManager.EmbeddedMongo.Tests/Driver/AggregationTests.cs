using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class AggregationTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly BsonDocument[] Orders =
    [
        BsonDocument.Parse("{ _id: 1, customer: 'ann', status: 'paid', total: 10, items: ['pen', 'ink'] }"),
        BsonDocument.Parse("{ _id: 2, customer: 'bob', status: 'paid', total: 30, items: ['pad'] }"),
        BsonDocument.Parse("{ _id: 3, customer: 'ann', status: 'open', total: 5, items: ['pen'] }"),
        BsonDocument.Parse("{ _id: 4, customer: 'cyd', status: 'paid', total: 20, items: [] }"),
    ];

    private static readonly BsonDocument[] Customers =
    [
        BsonDocument.Parse("{ _id: 'ann', city: 'Oslo' }"),
        BsonDocument.Parse("{ _id: 'bob', city: 'Rome' }"),
    ];

    [Fact]
    public async Task Match_group_and_sort_compute_per_key_accumulators()
    {
        await using var db = NewDatabase();
        var orders = await SeedAsync(db);

        var result = await RunAsync(orders,
            "{ $match: { status: 'paid' } }",
            "{ $group: { _id: '$customer', sum: { $sum: '$total' }, avg: { $avg: '$total' }, min: { $min: '$total' }, max: { $max: '$total' }, count: { $sum: 1 }, first: { $first: '$_id' }, last: { $last: '$_id' }, ids: { $push: '$_id' }, statuses: { $addToSet: '$status' } } }",
            "{ $sort: { sum: -1 } }");

        Assert.Equal(
        [
            BsonDocument.Parse("{ _id: 'bob', sum: 30, avg: 30.0, min: 30, max: 30, count: 1, first: 2, last: 2, ids: [2], statuses: ['paid'] }"),
            BsonDocument.Parse("{ _id: 'cyd', sum: 20, avg: 20.0, min: 20, max: 20, count: 1, first: 4, last: 4, ids: [4], statuses: ['paid'] }"),
            BsonDocument.Parse("{ _id: 'ann', sum: 10, avg: 10.0, min: 10, max: 10, count: 1, first: 1, last: 1, ids: [1], statuses: ['paid'] }"),
        ], result);
    }

    [Fact]
    public async Task Group_by_null_totals_the_whole_collection()
    {
        await using var db = NewDatabase();
        var orders = await SeedAsync(db);

        var result = await RunAsync(orders, "{ $group: { _id: null, total: { $sum: '$total' }, avg: { $avg: '$total' } } }");

        Assert.Equal([BsonDocument.Parse("{ _id: null, total: 65, avg: 16.25 }")], result);
    }

    [Fact]
    public async Task Project_addFields_unset_skip_and_limit_shape_the_output()
    {
        await using var db = NewDatabase();
        var orders = await SeedAsync(db);

        var result = await RunAsync(orders,
            "{ $sort: { _id: 1 } }",
            "{ $skip: 1 }",
            "{ $limit: 2 }",
            "{ $project: { customer: 1, total: 1, doubled: { $multiply: ['$total', 2] } } }",
            "{ $addFields: { big: { $gte: ['$total', 10] } } }",
            "{ $unset: 'customer' }");

        Assert.Equal(
        [
            BsonDocument.Parse("{ _id: 2, total: 30, doubled: 60, big: true }"),
            BsonDocument.Parse("{ _id: 3, total: 5, doubled: 10, big: false }"),
        ], result);
    }

    [Fact]
    public async Task Unwind_emits_one_document_per_array_element_and_drops_empty_arrays()
    {
        await using var db = NewDatabase();
        var orders = await SeedAsync(db);

        var result = await RunAsync(orders, "{ $unwind: '$items' }", "{ $project: { items: 1 } }", "{ $sort: { _id: 1, items: 1 } }");

        Assert.Equal(
            ["1:ink", "1:pen", "2:pad", "3:pen"],
            result.Select(d => $"{d["_id"]}:{d["items"]}"));
    }

    [Fact]
    public async Task Lookup_joins_matching_documents_as_an_array()
    {
        await using var db = NewDatabase();
        var orders = await SeedAsync(db);

        var result = await RunAsync(orders,
            "{ $match: { _id: { $in: [2, 4] } } }",
            "{ $lookup: { from: 'customers', localField: 'customer', foreignField: '_id', as: 'who' } }",
            "{ $project: { who: 1 } }",
            "{ $sort: { _id: 1 } }");

        Assert.Equal(
        [
            BsonDocument.Parse("{ _id: 2, who: [{ _id: 'bob', city: 'Rome' }] }"),
            BsonDocument.Parse("{ _id: 4, who: [] }"),
        ], result);
    }

    [Fact]
    public async Task Count_replaceRoot_and_sortByCount_produce_documented_shapes()
    {
        await using var db = NewDatabase();
        var orders = await SeedAsync(db);

        var count = await RunAsync(orders, "{ $match: { status: 'paid' } }", "{ $count: 'paid' }");
        var roots = await RunAsync(orders,
            "{ $match: { _id: 1 } }",
            "{ $replaceRoot: { newRoot: { who: '$customer', amount: '$total' } } }");
        var byCustomer = await RunAsync(orders, "{ $sortByCount: '$customer' }", "{ $match: { count: { $gt: 1 } } }");

        Assert.Equal([BsonDocument.Parse("{ paid: 3 }")], count);
        Assert.Equal([BsonDocument.Parse("{ who: 'ann', amount: 10 }")], roots);
        Assert.Equal([BsonDocument.Parse("{ _id: 'ann', count: 2 }")], byCustomer);
    }

    [Fact]
    public async Task Typed_fluent_aggregate_matches_groups_and_sorts()
    {
        await using var db = NewDatabase();
        var orders = await SeedAsync(db);

        var result = await orders.Aggregate()
            .Match(new BsonDocument("status", "paid"))
            .Group(new BsonDocument { { "_id", BsonNull.Value }, { "n", new BsonDocument("$sum", 1) } })
            .ToListAsync();

        Assert.Equal(3, Assert.Single(result)["n"].ToInt32());
    }

    [Fact]
    public async Task Aggregate_with_small_batch_size_returns_every_result_across_getMore()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("many");
        await collection.InsertManyAsync(Enumerable.Range(0, 120).Select(i => new BsonDocument("_id", i)));

        var results = await (await collection.AggregateAsync<BsonDocument>(
            PipelineDefinition<BsonDocument, BsonDocument>.Create(BsonDocument.Parse("{ $sort: { _id: -1 } }")),
            new AggregateOptions { BatchSize = 7 })).ToListAsync();

        Assert.Equal(Enumerable.Range(0, 120).Reverse(), results.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task An_unknown_stage_is_refused_with_an_error_naming_it()
    {
        await using var db = NewDatabase();
        var orders = await SeedAsync(db);

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => RunAsync(orders, "{ $frobnicate: {} }"));

        Assert.Contains("$frobnicate", error.Message);
    }

    private static async Task<IMongoCollection<BsonDocument>> SeedAsync(TestDatabase db)
    {
        await db.Collection<BsonDocument>("customers").InsertManyAsync(Customers.Select(c => c.DeepClone().AsBsonDocument));
        var orders = db.Collection<BsonDocument>("orders");
        await orders.InsertManyAsync(Orders.Select(o => o.DeepClone().AsBsonDocument));
        return orders;
    }

    private static async Task<List<BsonDocument>> RunAsync(IMongoCollection<BsonDocument> collection, params string[] stages)
    {
        var pipeline = PipelineDefinition<BsonDocument, BsonDocument>.Create(stages.Select(BsonDocument.Parse));
        return await (await collection.AggregateAsync(pipeline)).ToListAsync();
    }
}
