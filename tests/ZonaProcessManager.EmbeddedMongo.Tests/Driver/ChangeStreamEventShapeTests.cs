using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

/// <summary>
/// Change-stream event shapes MongoDB 7.0 documents beyond the basic CRUD events: showExpandedEvents (collection and
/// index events, collectionUUID, disambiguatedPaths), truncatedArrays, pre- and post-images gated by the collection option
/// changeStreamPreAndPostImages, and the error codes and labels for what a stream cannot do.
/// </summary>
public sealed class ChangeStreamEventShapeTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly string LargeString = new('*', 128);

    [Fact]
    public async Task Expanded_events_report_create_index_modify_rename_and_drop_with_the_collection_uuid()
    {
        await using var db = NewDatabase();
        using var stream = await RawChangeStreamReader.WatchAsync(db.Database, new ChangeStreamOptions { ShowExpandedEvents = true });

        await db.Database.CreateCollectionAsync("c");
        var uuid = await CollectionUuidAsync(db, "c");
        var collection = db.Collection<BsonDocument>("c");
        await collection.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("x", 1), new CreateIndexOptions { Name = "x_1" }));
        await collection.Indexes.DropOneAsync("x_1");
        await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "collMod", "c" }, { "validationLevel", "moderate" } });
        await db.Database.RenameCollectionAsync("c", "d");
        await db.Database.DropCollectionAsync("d");
        var events = await stream.NextAsync(6);

        Assert.Equal(["create", "createIndexes", "dropIndexes", "modify", "rename", "drop"], events.Select(e => e["operationType"].AsString));
        Assert.All(events, e => Assert.Equal(uuid, e["collectionUUID"]));
        Assert.All(events.Take(5), e => Assert.Equal(new BsonDocument { { "db", db.Name }, { "coll", "c" } }, e["ns"]));
        Assert.Equal(BsonDocument.Parse("{ v: 2, key: { _id: 1 }, name: '_id_' }"), events[0]["operationDescription"]["idIndex"]);
        foreach (var indexEvent in events.Skip(1).Take(2))
        {
            var index = Assert.Single(indexEvent["operationDescription"]["indexes"].AsBsonArray).AsBsonDocument;
            Assert.Equal(("x_1", new BsonDocument("x", 1)), (index["name"].AsString, index["key"].AsBsonDocument));
        }

        Assert.Equal("moderate", events[3]["operationDescription"]["validationLevel"].AsString);
        Assert.Equal(uuid, events[3]["stateBeforeChange"]["collectionOptions"]["uuid"]);
        var renamedTo = new BsonDocument { { "db", db.Name }, { "coll", "d" } };
        Assert.Equal(renamedTo, events[4]["to"]);
        Assert.Equal(renamedTo, events[4]["operationDescription"]["to"]);
        Assert.Equal(renamedTo, events[5]["ns"]);
    }

    [Fact]
    public async Task Without_showExpandedEvents_index_and_modify_events_and_the_expanded_fields_stay_hidden()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 1, a: { '1': 1 } }"));
        using var stream = await RawChangeStreamReader.WatchAsync(collection, new ChangeStreamOptions());

        await collection.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("x", 1)));
        await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "collMod", "c" }, { "validationLevel", "moderate" } });
        await collection.Indexes.DropOneAsync("x_1");
        await collection.InsertOneAsync(new BsonDocument("_id", 2));
        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { 'a.1': 2 } }"));
        var events = await stream.NextAsync(2);

        Assert.Equal(["insert", "update"], events.Select(e => e["operationType"].AsString));
        Assert.All(events, e => Assert.False(e.Contains("collectionUUID")));
        var description = events[1]["updateDescription"].AsBsonDocument;
        Assert.Equal(BsonDocument.Parse("{ 'a.1': 2 }"), description["updatedFields"]);
        Assert.Equal(new BsonArray(), description["truncatedArrays"]);
        Assert.False(description.Contains("disambiguatedPaths"));
    }

    [Fact]
    public async Task DisambiguatedPaths_lists_dotted_and_numeric_field_names_with_array_indices_as_integers()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");
        var uuid = await CollectionUuidAsync(db, "c");
        var collection = db.Collection<BsonDocument>("c");
        using var stream = await RawChangeStreamReader.WatchAsync(collection, new ChangeStreamOptions { ShowExpandedEvents = true });

        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 1, a: { '1': 1 }, b: [{ '1': 1 }], c: [[0, 1]] }"));
        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { 'a.1': 2 } }"));
        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { 'b.0.1': 2 } }"));
        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { 'c.0.1': 5, plain: true } }"));
        var events = await stream.NextAsync(4);

        Assert.Equal(uuid, events[0]["collectionUUID"]);
        Assert.Equal(BsonDocument.Parse("{ 'a.1': ['a', '1'] }"), events[1]["updateDescription"]["disambiguatedPaths"]);
        var withIndex = events[2]["updateDescription"]["disambiguatedPaths"]["b.0.1"].AsBsonArray;
        Assert.Equal(new BsonArray { "b", 0, "1" }, withIndex);
        Assert.Equal(BsonType.Int32, withIndex[1].BsonType);
        // Array indices and plain names alone are not ambiguous: the document is present and empty.
        Assert.Equal(BsonDocument.Parse("{ 'c.0.1': 5, plain: true }"), events[3]["updateDescription"]["updatedFields"]);
        Assert.Equal(new BsonDocument(), events[3]["updateDescription"]["disambiguatedPaths"]);
    }

    [Fact]
    public async Task A_pipeline_update_that_shortens_an_array_reports_truncatedArrays_and_an_operator_update_the_new_array()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "big", new BsonArray { LargeString, 1, 2 } }, { "small", new BsonArray { 0, 1, 2, 3 } } });
        using var stream = await RawChangeStreamReader.WatchAsync(collection, new ChangeStreamOptions());

        var shorten = new BsonDocument("$set", new BsonDocument("big", new BsonDocument("$literal", new BsonArray { LargeString })));
        await collection.UpdateOneAsync(new BsonDocument("_id", 1), new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>([shorten]));
        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { small: [0] } }"));
        var events = await stream.NextAsync(2);

        Assert.Equal(
            BsonDocument.Parse("{ updatedFields: {}, removedFields: [], truncatedArrays: [{ field: 'big', newSize: 1 }] }"),
            events[0]["updateDescription"]);
        Assert.Equal(
            BsonDocument.Parse("{ updatedFields: { small: [0] }, removedFields: [], truncatedArrays: [] }"),
            events[1]["updateDescription"]);
    }

    [Fact]
    public async Task With_changeStreamPreAndPostImages_enabled_required_images_come_with_update_replace_and_delete()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c", new CreateCollectionOptions
        {
            ChangeStreamPreAndPostImagesOptions = new ChangeStreamPreAndPostImagesOptions { Enabled = true },
        });
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 1, v: 1 }"));
        using var stream = await RawChangeStreamReader.WatchAsync(collection, new ChangeStreamOptions
        {
            FullDocument = ChangeStreamFullDocumentOption.Required,
            FullDocumentBeforeChange = ChangeStreamFullDocumentBeforeChangeOption.Required,
        });

        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { v: 2 } }"));
        await collection.ReplaceOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ _id: 1, v: 3 }"));
        await collection.DeleteOneAsync(new BsonDocument("_id", 1));
        var events = await stream.NextAsync(3);

        Assert.Equal(["update", "replace", "delete"], events.Select(e => e["operationType"].AsString));
        Assert.Equal(BsonDocument.Parse("{ _id: 1, v: 2 }"), events[0]["fullDocument"]);
        Assert.Equal(BsonDocument.Parse("{ _id: 1, v: 1 }"), events[0]["fullDocumentBeforeChange"]);
        Assert.Equal(BsonDocument.Parse("{ _id: 1, v: 3 }"), events[1]["fullDocument"]);
        Assert.Equal(BsonDocument.Parse("{ _id: 1, v: 2 }"), events[1]["fullDocumentBeforeChange"]);
        Assert.Equal(BsonDocument.Parse("{ _id: 1, v: 3 }"), events[2]["fullDocumentBeforeChange"]);
    }

    [Fact]
    public async Task WhenAvailable_images_are_null_until_collMod_enables_them_and_present_after()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertManyAsync([BsonDocument.Parse("{ _id: 1, v: 1 }"), BsonDocument.Parse("{ _id: 2, v: 1 }")]);
        using var stream = await RawChangeStreamReader.WatchAsync(collection, new ChangeStreamOptions
        {
            FullDocument = ChangeStreamFullDocumentOption.WhenAvailable,
            FullDocumentBeforeChange = ChangeStreamFullDocumentBeforeChangeOption.WhenAvailable,
        });

        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { v: 2 } }"));
        await collection.DeleteOneAsync(new BsonDocument("_id", 1));
        await db.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{ collMod: 'c', changeStreamPreAndPostImages: { enabled: true } }"));
        await collection.UpdateOneAsync(new BsonDocument("_id", 2), BsonDocument.Parse("{ $set: { v: 2 } }"));
        var events = await stream.NextAsync(3);

        Assert.Equal(["update", "delete", "update"], events.Select(e => e["operationType"].AsString));
        Assert.Equal(BsonNull.Value, events[0]["fullDocument"]);
        Assert.Equal(BsonNull.Value, events[0]["fullDocumentBeforeChange"]);
        Assert.Equal(BsonNull.Value, events[1]["fullDocumentBeforeChange"]);
        Assert.Equal(BsonDocument.Parse("{ _id: 2, v: 2 }"), events[2]["fullDocument"]);
        Assert.Equal(BsonDocument.Parse("{ _id: 2, v: 1 }"), events[2]["fullDocumentBeforeChange"]);
    }

    [Theory]
    [InlineData("fullDocument")]
    [InlineData("fullDocumentBeforeChange")]
    public async Task A_required_image_the_collection_does_not_record_fails_the_stream_with_NoMatchingDocument(string option)
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 1, v: 1 }"));
        var options = option == "fullDocument"
            ? new ChangeStreamOptions { FullDocument = ChangeStreamFullDocumentOption.Required }
            : new ChangeStreamOptions { FullDocumentBeforeChange = ChangeStreamFullDocumentBeforeChangeOption.Required };
        using var stream = await RawChangeStreamReader.WatchAsync(collection, options);

        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { v: 2 } }"));
        var error = await Assert.ThrowsAsync<MongoCommandException>(stream.NextAsync);

        Assert.Equal(47, error.Code);
        Assert.Equal("NoMatchingDocument", error.CodeName);
    }

    [Fact]
    public async Task An_unknown_stage_after_changeStream_is_refused_with_40324()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");

        var error = await Assert.ThrowsAsync<MongoCommandException>(() =>
            RawChangeStreamReader.WatchAsync(db.Collection<BsonDocument>("c"), new ChangeStreamOptions(), new BsonDocument("$frobnicate", new BsonDocument())));

        Assert.Equal(40324, error.Code);
    }

    [Theory]
    [InlineData("{ showExpandedEvents: 'yes' }", 14)]
    [InlineData("{ fullDocumentBeforeChange: 'sometimes' }", 2)]
    [InlineData("{ fullDocument: 'always' }", 2)]
    public async Task Malformed_changeStream_options_are_refused_with_MongoDBs_codes(string options, int code)
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "aggregate", "c" },
            { "pipeline", new BsonArray { new BsonDocument("$changeStream", BsonDocument.Parse(options)) } },
            { "cursor", new BsonDocument() },
        }));

        Assert.Equal(code, error.Code);
    }

    [Fact]
    public async Task A_pipeline_that_removes_the_resume_token_fails_with_280_labelled_NonResumableChangeStreamError()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");
        var collection = db.Collection<BsonDocument>("c");
        using var stream = await RawChangeStreamReader.WatchAsync(collection, new ChangeStreamOptions(), new BsonDocument("$project", new BsonDocument("_id", 0)));

        await collection.InsertOneAsync(new BsonDocument("_id", 1));
        var error = await Assert.ThrowsAsync<MongoCommandException>(stream.NextAsync);

        Assert.Equal(280, error.Code);
        Assert.True(error.HasErrorLabel("NonResumableChangeStreamError"), "errorLabels: " + error.Result.GetValue("errorLabels", BsonNull.Value));
    }

    [Theory]
    [InlineData("{ enabled: 'yes' }", 14)]
    [InlineData("{ enabled: true, extra: 1 }", 40415)]
    [InlineData("{}", 40414)]
    public async Task A_malformed_changeStreamPreAndPostImages_option_is_refused_and_changes_nothing(string images, int code)
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => db.Database.RunCommandAsync<BsonDocument>(
            new BsonDocument { { "collMod", "c" }, { "changeStreamPreAndPostImages", BsonDocument.Parse(images) } }));

        Assert.Equal(code, error.Code);
        var options = (await (await db.Database.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", "c") })).SingleAsync())["options"].AsBsonDocument;
        Assert.False(options.Contains("changeStreamPreAndPostImages"));
    }

    private static async Task<BsonValue> CollectionUuidAsync(TestDatabase db, string name)
    {
        var entry = await (await db.Database.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", name) })).SingleAsync();
        return entry["info"]["uuid"];
    }
}
