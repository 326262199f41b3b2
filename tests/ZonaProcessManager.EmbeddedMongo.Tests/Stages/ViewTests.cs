using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Stages;

/// <summary>
/// Read-only views (create with viewOn and pipeline): their documents are the pipeline run over the source at read time;
/// find, count, distinct and aggregate read them; every write and index command is refused with 166
/// CommandNotSupportedOnView.
/// </summary>
public sealed class ViewTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly BsonDocument[] BigOrdersPipeline =
    [
        new("$match", new BsonDocument("qty", new BsonDocument("$gte", 10))),
        new("$project", new BsonDocument { { "item", 1 }, { "qty", 1 } }),
    ];

    private static async Task<IMongoCollection<BsonDocument>> OrdersAsync(TestDatabase db)
    {
        var orders = db.Collection<BsonDocument>("orders");
        await orders.InsertManyAsync(
        [
            new BsonDocument { { "_id", 1 }, { "item", "apple" }, { "qty", 5 }, { "secret", "a" } },
            new BsonDocument { { "_id", 2 }, { "item", "pear" }, { "qty", 10 }, { "secret", "b" } },
            new BsonDocument { { "_id", 3 }, { "item", "plum" }, { "qty", 20 }, { "secret", "c" } },
            new BsonDocument { { "_id", 4 }, { "item", "pear" }, { "qty", 30 }, { "secret", "d" } },
        ]);
        await db.Database.CreateViewAsync<BsonDocument, BsonDocument>("bigOrders", "orders", BigOrdersPipeline);
        return orders;
    }

    [Fact]
    public async Task Find_count_distinct_and_aggregate_read_the_views_pipeline_output()
    {
        await using var db = NewDatabase();
        await OrdersAsync(db);
        var view = db.Collection<BsonDocument>("bigOrders");

        var found = await view.Find(new BsonDocument("item", "pear")).Sort(new BsonDocument("qty", -1)).Limit(1).Project(new BsonDocument("qty", 1)).ToListAsync();
        var counted = await view.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);
        var countCommand = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "count", "bigOrders" }, { "query", new BsonDocument("qty", new BsonDocument("$gt", 15)) } });
        var items = await (await view.DistinctAsync<string>("item", FilterDefinition<BsonDocument>.Empty)).ToListAsync();
        var grouped = await view.Aggregate().Group(new BsonDocument { { "_id", BsonNull.Value }, { "total", new BsonDocument("$sum", "$qty") } }).SingleAsync();
        var all = await view.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();

        Assert.Equal([new BsonDocument { { "_id", 4 }, { "qty", 30 } }], found);
        Assert.Equal(3, counted);
        Assert.Equal(2, countCommand["n"].ToInt32());
        Assert.Equal(["pear", "plum"], items.Order());
        Assert.Equal(60, grouped["total"].ToInt32());
        Assert.DoesNotContain(all, d => d.Contains("secret"));
        Assert.Equal([2, 3, 4], all.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task A_view_shows_later_changes_of_its_source_and_a_view_on_a_view_applies_both_pipelines()
    {
        await using var db = NewDatabase();
        var orders = await OrdersAsync(db);
        await db.Database.CreateViewAsync<BsonDocument, BsonDocument>("pears", "bigOrders", new[] { new BsonDocument("$match", new BsonDocument("item", "pear")) });

        await orders.InsertOneAsync(new BsonDocument { { "_id", 5 }, { "item", "pear" }, { "qty", 50 } });
        await orders.UpdateOneAsync(new BsonDocument("_id", 2), new BsonDocument("$set", new BsonDocument("qty", 1)));

        var pears = await db.Collection<BsonDocument>("pears").Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal([4, 5], pears.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task ListCollections_reports_a_view_with_its_definition_and_collMod_changes_it()
    {
        await using var db = NewDatabase();
        await OrdersAsync(db);

        var before = await (await db.Database.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", "bigOrders") })).SingleAsync();
        await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "collMod", "bigOrders" },
            { "viewOn", "orders" },
            { "pipeline", new BsonArray { new BsonDocument("$match", new BsonDocument("qty", new BsonDocument("$lt", 10))) } },
        });
        var after = await db.Collection<BsonDocument>("bigOrders").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();

        Assert.Equal("view", before["type"].AsString);
        Assert.Equal("orders", before["options"]["viewOn"].AsString);
        Assert.Equal(new BsonArray(BigOrdersPipeline), before["options"]["pipeline"]);
        Assert.True(before["info"]["readOnly"].AsBoolean);
        Assert.Equal([1], after.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task Writes_and_indexes_on_a_view_are_refused_with_CommandNotSupportedOnView_and_change_nothing()
    {
        await using var db = NewDatabase();
        var orders = await OrdersAsync(db);
        var view = db.Collection<BsonDocument>("bigOrders");

        var codes = new[]
        {
            await ErrorCodes.OfAsync(() => view.InsertOneAsync(new BsonDocument { { "_id", 9 }, { "qty", 99 } })),
            await ErrorCodes.OfAsync(() => view.UpdateOneAsync(new BsonDocument("_id", 2), new BsonDocument("$set", new BsonDocument("qty", 0)))),
            await ErrorCodes.OfAsync(() => view.DeleteManyAsync(FilterDefinition<BsonDocument>.Empty)),
            await ErrorCodes.OfAsync(() => view.ReplaceOneAsync(new BsonDocument("_id", 3), new BsonDocument("qty", 0), new ReplaceOptions { IsUpsert = true })),
            await ErrorCodes.OfAsync(() => view.FindOneAndUpdateAsync(new BsonDocument("_id", 2), new BsonDocument("$set", new BsonDocument("qty", 0)))),
            await ErrorCodes.OfAsync(() => view.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("qty", 1)))),
            await ErrorCodes.OfAsync(() => view.WatchAsync()),
        };

        Assert.All(codes, code => Assert.Equal(166, code));
        var stored = await orders.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal([5, 10, 20, 30], stored.Select(d => d["qty"].AsInt32));
    }

    [Fact]
    public async Task A_view_that_would_read_itself_is_refused_with_GraphContainsCycle()
    {
        await using var db = NewDatabase();
        await OrdersAsync(db);
        var selfLookup = new BsonArray
        {
            new BsonDocument("$lookup", new BsonDocument { { "from", "bigOrders" }, { "localField", "_id" }, { "foreignField", "_id" }, { "as", "again" } }),
        };

        var onItself = await ErrorCodes.OfAsync(() => db.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "loop" }, { "viewOn", "loop" }, { "pipeline", new BsonArray() } }));
        var throughLookup = await ErrorCodes.OfAsync(() => db.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "collMod", "bigOrders" }, { "viewOn", "orders" }, { "pipeline", selfLookup } }));

        Assert.Equal([93, 93], new[] { onItself, throughLookup });
        Assert.Equal(3, await db.Collection<BsonDocument>("bigOrders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Dropping_a_view_keeps_its_source_and_a_view_cannot_replace_an_existing_name()
    {
        await using var db = NewDatabase();
        var orders = await OrdersAsync(db);

        var duplicate = await ErrorCodes.OfAsync(() => db.Database.CreateViewAsync<BsonDocument, BsonDocument>("orders", "bigOrders", Array.Empty<BsonDocument>()));
        await db.Database.DropCollectionAsync("bigOrders");
        // MongoDB keeps view definitions in a system.views collection of its own; only user collections matter here.
        var names = (await (await db.Database.ListCollectionNamesAsync()).ToListAsync()).Where(n => !n.StartsWith("system.", StringComparison.Ordinal));

        Assert.Equal(48, duplicate);
        Assert.Equal(["orders"], names);
        Assert.Equal(4, await orders.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }
}
