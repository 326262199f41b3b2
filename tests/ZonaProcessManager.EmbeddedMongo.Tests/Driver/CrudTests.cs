using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class CrudTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    public sealed record Item
    {
        [BsonId]
        public int Id { get; init; }

        public string Name { get; init; } = "";
        public int Qty { get; init; }
        public List<string> Tags { get; init; } = [];
        public List<int> Grades { get; init; } = [];
    }

    private static List<Item> SampleItems() =>
    [
        new() { Id = 1, Name = "apple", Qty = 5, Tags = ["fruit", "red"], Grades = [80, 85, 90] },
        new() { Id = 2, Name = "banana", Qty = 12, Tags = ["fruit", "yellow"], Grades = [70, 95] },
        new() { Id = 3, Name = "carrot", Qty = 0, Tags = ["vegetable"], Grades = [88] },
        new() { Id = 4, Name = "date", Qty = 7, Tags = ["fruit"], Grades = [] },
        new() { Id = 5, Name = "eggplant", Qty = 3, Tags = ["vegetable", "purple"], Grades = [60, 99] },
    ];

    [Fact]
    public async Task An_inserted_document_reads_back_with_every_value_type_and_field_order_as_sent()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("kinds");
        var sent = new BsonDocument
        {
            { "_id", new ObjectId("65a1b2c3d4e5f60718293a4b") },
            { "z", "last letter first" },
            { "int", 7 },
            { "long", 1L << 40 },
            { "double", 2.5 },
            { "decimal", Decimal128.Parse("1.10") },
            { "when", new BsonDateTime(1_700_000_000_000) },
            { "uuid", new BsonBinaryData(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), GuidRepresentation.Standard) },
            { "nested", new BsonDocument { { "b", 1 }, { "a", new BsonArray { 1, "two", BsonNull.Value, new BsonDocument("x", true) } } } },
            { "empty", new BsonDocument() },
        };

        await collection.InsertOneAsync(sent);

        var stored = await collection.Find(new BsonDocument("_id", sent["_id"])).SingleAsync();
        Assert.Equal(sent.Names, stored.Names);
        Assert.Equal(sent.ToBson(), stored.ToBson());
    }

    [Fact]
    public async Task An_id_sent_after_other_fields_is_stored_as_the_first_field()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("ordered");

        await collection.InsertOneAsync(new BsonDocument { { "name", "api" }, { "_id", 5 }, { "tier", "gold" } });

        var stored = await collection.Find(new BsonDocument("_id", 5)).SingleAsync();
        Assert.Equal(["_id", "name", "tier"], stored.Names);
    }

    [Fact]
    public async Task Typed_insert_is_read_back_equal_and_visible_as_BsonDocument()
    {
        await using var db = NewDatabase();
        var items = db.Collection<Item>("items");
        var apple = SampleItems()[0];

        await items.InsertOneAsync(apple);

        var typed = await items.Find(i => i.Id == 1).SingleAsync();
        Assert.Equal(apple.Name, typed.Name);
        Assert.Equal(apple.Tags, typed.Tags);
        var raw = await db.Collection<BsonDocument>("items").Find(new BsonDocument("_id", 1)).SingleAsync();
        Assert.Equal("apple", raw["Name"].AsString);
        Assert.Equal(new BsonArray { "fruit", "red" }, raw["Tags"].AsBsonArray);
    }

    [Fact]
    public async Task Write_replies_count_documents_as_int32_like_MongoDB()
    {
        // Scripts written for MongoDB compare counts with === (mongosh maps int32 to a JS number, int64 to a Long).
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertManyAsync([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);

        var update = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "update", "c" },
            { "updates", new BsonArray { new BsonDocument { { "q", new BsonDocument() }, { "u", new BsonDocument("$set", new BsonDocument("x", 1)) }, { "multi", true } } } },
        });
        var delete = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "delete", "c" },
            { "deletes", new BsonArray { new BsonDocument { { "q", new BsonDocument("_id", 1) }, { "limit", 1 } } } },
        });

        Assert.Equal(new BsonInt32(2), update["n"]);
        Assert.Equal(new BsonInt32(2), update["nModified"]);
        Assert.Equal(new BsonInt32(1), delete["n"]);
    }

    [Fact]
    public async Task InsertOne_without_id_gets_an_ObjectId_assigned()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        var document = new BsonDocument("x", 1);

        await collection.InsertOneAsync(document);

        Assert.Equal(BsonType.ObjectId, document["_id"].BsonType);
        var stored = await collection.Find(new BsonDocument("_id", document["_id"])).SingleAsync();
        Assert.Equal(1, stored["x"].AsInt32);
    }

    [Fact]
    public async Task Ordered_insertMany_stops_at_the_duplicate_and_keeps_what_came_before()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        var documents = new[] { 1, 2, 2, 3 }.Select(i => new BsonDocument("_id", i));

        var error = await Assert.ThrowsAsync<MongoBulkWriteException<BsonDocument>>(
            () => collection.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = true }));

        var writeError = Assert.Single(error.WriteErrors);
        Assert.Equal(2, writeError.Index);
        Assert.Equal(11000, writeError.Code);
        Assert.Equal(ServerErrorCategory.DuplicateKey, writeError.Category);
        Assert.Equal([1, 2], await IdsAsync(collection));
    }

    [Fact]
    public async Task Unordered_insertMany_reports_the_duplicate_and_inserts_all_others()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        var documents = new[] { 1, 2, 2, 3 }.Select(i => new BsonDocument("_id", i));

        var error = await Assert.ThrowsAsync<MongoBulkWriteException<BsonDocument>>(
            () => collection.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = false }));

        Assert.Equal(2, Assert.Single(error.WriteErrors).Index);
        Assert.Equal([1, 2, 3], await IdsAsync(collection));
    }

    [Fact]
    public async Task Find_applies_filter_projection_sort_skip_and_limit()
    {
        await using var db = NewDatabase();
        var items = db.Collection<Item>("items");
        await items.InsertManyAsync(SampleItems());

        var found = await db.Collection<BsonDocument>("items")
            .Find(new BsonDocument("Tags", "fruit"))
            .Project(new BsonDocument { { "Name", 1 }, { "_id", 0 } })
            .Sort(new BsonDocument("Qty", -1))
            .Skip(1)
            .Limit(1)
            .ToListAsync();

        var only = Assert.Single(found);
        Assert.Equal(new BsonDocument("Name", "date"), only);
    }

    [Fact]
    public async Task Find_with_small_batch_size_returns_every_document_once_across_getMore_batches()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertManyAsync(Enumerable.Range(0, 257).Select(i => new BsonDocument { { "_id", i }, { "even", i % 2 == 0 } }));

        var batches = 0;
        var ids = new List<int>();
        using (var cursor = await collection.FindAsync(
            FilterDefinition<BsonDocument>.Empty,
            new FindOptions<BsonDocument> { BatchSize = 10, Sort = new BsonDocument("_id", 1) }))
        {
            while (await cursor.MoveNextAsync())
            {
                batches++;
                Assert.InRange(cursor.Current.Count(), 0, 10);
                ids.AddRange(cursor.Current.Select(d => d["_id"].AsInt32));
            }
        }

        Assert.Equal(Enumerable.Range(0, 257), ids);
        Assert.True(batches >= 26, $"expected at least 26 batches, got {batches}");
    }

    [Fact]
    public async Task A_whole_collection_listed_without_a_filter_comes_back_as_stored_in_insertion_order_across_batches()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("whole");
        var sent = Enumerable.Range(0, 120).Select(i => new BsonDocument
        {
            { "z", "last letter first" },
            { "_id", i % 2 == 0 ? i : $"id-{i}" },
            { "long", (long)i << 40 },
            { "decimal", Decimal128.Parse($"{i}.10") },
            { "when", new BsonDateTime(1_700_000_000_000 + i) },
            { "nested", new BsonDocument { { "b", i }, { "a", new BsonArray { 1, "two", BsonNull.Value, new BsonDocument("x", true) } } } },
            { "empty", new BsonDocument() },
        }).ToList();
        await collection.InsertManyAsync(sent.Select(d => d.DeepClone().AsBsonDocument));

        var listed = new List<BsonDocument>();
        var batches = 0;
        using (var cursor = await collection.FindAsync(FilterDefinition<BsonDocument>.Empty, new FindOptions<BsonDocument> { BatchSize = 7 }))
        {
            while (await cursor.MoveNextAsync())
            {
                batches++;
                listed.AddRange(cursor.Current);
            }
        }

        Assert.True(batches >= 18, $"expected at least 18 batches, got {batches}");
        Assert.Equal(sent.Count, listed.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            // The server moves _id to the front, as MongoDB does; everything else is as sent.
            var expected = new BsonDocument("_id", sent[i]["_id"]).AddRange(sent[i].Elements.Where(e => e.Name != "_id"));
            Assert.Equal(expected.ToBson(), listed[i].ToBson());
        }
    }

    [Fact]
    public async Task A_whole_collection_listed_without_a_batch_size_is_split_into_batches_of_at_most_16_MB()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("large");
        var filler = new string('x', 1024 * 1024);
        foreach (var i in Enumerable.Range(0, 20))
        {
            await collection.InsertOneAsync(new BsonDocument { { "_id", i }, { "filler", filler } });
        }

        var batchSizes = new List<int>();
        using (var cursor = await collection.FindAsync(FilterDefinition<BsonDocument>.Empty))
        {
            while (await cursor.MoveNextAsync())
            {
                batchSizes.Add(cursor.Current.Count());
            }
        }

        Assert.Equal(20, batchSizes.Sum());
        Assert.True(batchSizes.Count >= 2, $"20 MB in one batch: {string.Join(", ", batchSizes)}");
        Assert.All(batchSizes, size => Assert.InRange(size, 0, 16));
    }

    [Fact]
    public async Task UpdateOne_with_upsert_inserts_once_then_modifies()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        var filter = new BsonDocument("_id", "counter");
        var update = Builders<BsonDocument>.Update.Inc("n", 1);

        var first = await collection.UpdateOneAsync(filter, update, new UpdateOptions { IsUpsert = true });
        var second = await collection.UpdateOneAsync(filter, update, new UpdateOptions { IsUpsert = true });

        Assert.Equal("counter", first.UpsertedId.AsString);
        Assert.Equal(0, first.MatchedCount);
        Assert.Null(second.UpsertedId);
        Assert.Equal(1, second.ModifiedCount);
        Assert.Equal(2, (await collection.Find(filter).SingleAsync())["n"].AsInt32);
    }

    [Fact]
    public async Task Upsert_builds_the_new_document_from_equality_fields_of_the_filter()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");

        var result = await collection.UpdateOneAsync(
            new BsonDocument { { "kind", "widget" }, { "size", new BsonDocument("$gt", 3) } },
            new BsonDocument("$set", new BsonDocument("color", "blue")),
            new UpdateOptions { IsUpsert = true });

        var stored = await collection.Find(new BsonDocument("_id", result.UpsertedId)).SingleAsync();
        Assert.Equal("widget", stored["kind"].AsString);
        Assert.Equal("blue", stored["color"].AsString);
        Assert.False(stored.Contains("size"));
    }

    [Fact]
    public async Task UpdateMany_changes_every_match_and_counts_only_real_modifications()
    {
        await using var db = NewDatabase();
        var items = db.Collection<Item>("items");
        await items.InsertManyAsync(SampleItems());

        var result = await items.UpdateManyAsync(i => i.Tags.Contains("fruit"), Builders<Item>.Update.Set(i => i.Qty, 7));

        Assert.Equal(3, result.MatchedCount);
        Assert.Equal(2, result.ModifiedCount);
        Assert.All(await items.Find(i => i.Tags.Contains("fruit")).ToListAsync(), i => Assert.Equal(7, i.Qty));
        Assert.Equal(0, (await items.Find(i => i.Id == 3).SingleAsync()).Qty);
    }

    [Fact]
    public async Task ArrayFilters_update_only_the_matching_elements()
    {
        await using var db = NewDatabase();
        var items = db.Collection<Item>("items");
        await items.InsertManyAsync(SampleItems());

        await db.Collection<BsonDocument>("items").UpdateOneAsync(
            new BsonDocument("_id", 1),
            new BsonDocument("$set", new BsonDocument("Grades.$[high]", 100)),
            new UpdateOptions { ArrayFilters = [new BsonDocumentArrayFilterDefinition<BsonDocument>(new BsonDocument("high", new BsonDocument("$gte", 85)))] });

        Assert.Equal([80, 100, 100], (await items.Find(i => i.Id == 1).SingleAsync()).Grades);
    }

    [Fact]
    public async Task Positional_operator_updates_the_first_matched_array_element()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "grades", new BsonArray { 80, 85, 80 } } });

        await collection.UpdateOneAsync(
            new BsonDocument { { "_id", 1 }, { "grades", 80 } },
            new BsonDocument("$set", new BsonDocument("grades.$", 82)));

        Assert.Equal(new BsonArray { 82, 85, 80 }, (await collection.Find(new BsonDocument("_id", 1)).SingleAsync())["grades"]);
    }

    [Fact]
    public async Task ReplaceOne_keeps_the_id_and_drops_fields_not_in_the_replacement()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "a", 1 }, { "b", 2 } });

        var result = await collection.ReplaceOneAsync(new BsonDocument("_id", 1), new BsonDocument("c", 3));

        Assert.Equal(1, result.ModifiedCount);
        Assert.Equal(new BsonDocument { { "_id", 1 }, { "c", 3 } }, await collection.Find(new BsonDocument("_id", 1)).SingleAsync());
    }

    [Fact]
    public async Task DeleteOne_removes_a_single_match_and_DeleteMany_removes_all_matches()
    {
        await using var db = NewDatabase();
        var items = db.Collection<Item>("items");
        await items.InsertManyAsync(SampleItems());

        var one = await items.DeleteOneAsync(i => i.Tags.Contains("fruit"));
        var many = await items.DeleteManyAsync(i => i.Tags.Contains("fruit"));
        var none = await items.DeleteManyAsync(i => i.Name == "nothing");

        Assert.Equal(1, one.DeletedCount);
        Assert.Equal(2, many.DeletedCount);
        Assert.Equal(0, none.DeletedCount);
        Assert.Equal([3, 5], await IdsAsync(db.Collection<BsonDocument>("items")));
    }

    [Fact]
    public async Task FindOneAndUpdate_picks_by_sort_and_returns_the_projected_document_after_the_update()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("items");
        await db.Collection<Item>("items").InsertManyAsync(SampleItems());

        var after = await collection.FindOneAndUpdateAsync(
            new BsonDocument("Tags", "fruit"),
            new BsonDocument("$inc", new BsonDocument("Qty", 100)),
            new FindOneAndUpdateOptions<BsonDocument>
            {
                Sort = new BsonDocument("Qty", -1),
                Projection = new BsonDocument { { "Qty", 1 } },
                ReturnDocument = ReturnDocument.After,
            });

        Assert.Equal(new BsonDocument { { "_id", 2 }, { "Qty", 112 } }, after);
    }

    [Fact]
    public async Task FindOneAndUpdate_returns_the_original_by_default_and_null_when_nothing_matches()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "v", 1 } });

        var before = await collection.FindOneAndUpdateAsync(new BsonDocument("_id", 1), new BsonDocument("$set", new BsonDocument("v", 2)));
        var missing = await collection.FindOneAndUpdateAsync(new BsonDocument("_id", 9), new BsonDocument("$set", new BsonDocument("v", 2)));

        Assert.Equal(1, before["v"].AsInt32);
        Assert.Null(missing);
        Assert.Equal(2, (await collection.Find(new BsonDocument("_id", 1)).SingleAsync())["v"].AsInt32);
    }

    [Fact]
    public async Task FindOneAndUpdate_with_upsert_and_ReturnDocument_After_returns_the_inserted_document()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");

        var created = await collection.FindOneAndUpdateAsync(
            new BsonDocument("_id", "x"),
            new BsonDocument("$set", new BsonDocument("state", "new")),
            new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After });

        Assert.Equal(new BsonDocument { { "_id", "x" }, { "state", "new" } }, created);
    }

    [Fact]
    public async Task FindOneAndReplace_returns_the_replaced_document_or_the_new_one_when_asked()
    {
        await using var db = NewDatabase();
        var items = db.Collection<Item>("items");
        await items.InsertManyAsync(SampleItems());

        var before = await items.FindOneAndReplaceAsync<Item>(
            i => i.Id == 3, new Item { Id = 3, Name = "parsnip" });
        var after = await items.FindOneAndReplaceAsync<Item>(
            i => i.Id == 4, new Item { Id = 4, Name = "fig", Qty = 1 }, new FindOneAndReplaceOptions<Item> { ReturnDocument = ReturnDocument.After });

        Assert.Equal("carrot", before.Name);
        Assert.Equal("fig", after.Name);
        Assert.Equal("parsnip", (await items.Find(i => i.Id == 3).SingleAsync()).Name);
    }

    [Fact]
    public async Task FindOneAndDelete_removes_the_first_document_in_sort_order_and_returns_it()
    {
        await using var db = NewDatabase();
        var items = db.Collection<Item>("items");
        await items.InsertManyAsync(SampleItems());

        var deleted = await items.FindOneAndDeleteAsync(
            i => i.Qty > 0, new FindOneAndDeleteOptions<Item> { Sort = Builders<Item>.Sort.Ascending(i => i.Qty) });

        Assert.Equal(5, deleted.Id);
        Assert.Equal(4, await items.CountDocumentsAsync(FilterDefinition<Item>.Empty));
    }

    [Fact]
    public async Task Counts_and_distinct_reflect_the_stored_documents()
    {
        await using var db = NewDatabase();
        var items = db.Collection<Item>("items");
        await items.InsertManyAsync(SampleItems());

        var fruit = await items.CountDocumentsAsync(i => i.Tags.Contains("fruit"));
        var limited = await items.CountDocumentsAsync(FilterDefinition<Item>.Empty, new CountOptions { Skip = 1, Limit = 2 });
        var estimated = await items.EstimatedDocumentCountAsync();
        var tags = await (await items.DistinctAsync<string>("Tags", FilterDefinition<Item>.Empty)).ToListAsync();
        var fruitQty = await (await items.DistinctAsync(i => i.Qty, i => i.Tags.Contains("fruit"))).ToListAsync();

        Assert.Equal(3, fruit);
        Assert.Equal(2, limited);
        Assert.Equal(5, estimated);
        Assert.Equal(["fruit", "purple", "red", "vegetable", "yellow"], tags.Order());
        Assert.Equal([5, 7, 12], fruitQty.Order());
    }

    [Fact]
    public async Task Count_of_a_missing_collection_is_zero_and_find_returns_nothing()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("never_created");

        Assert.Equal(0, await collection.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(0, await collection.EstimatedDocumentCountAsync());
        Assert.Empty(await collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
    }

    private static async Task<List<int>> IdsAsync(IMongoCollection<BsonDocument> collection) =>
        (await collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync())
            .Select(d => d["_id"].AsInt32)
            .ToList();
}
