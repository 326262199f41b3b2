using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Stages;

/// <summary>
/// $out and $merge, the writing last stages of an aggregate: what lands in the target for each mode, and MongoDB's error
/// codes when a mode, an index or a document forbids the write.
/// </summary>
public sealed class OutputStageTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static async Task<IMongoCollection<BsonDocument>> SourceAsync(TestDatabase db)
    {
        var source = db.Collection<BsonDocument>("source");
        await source.InsertManyAsync(
        [
            new BsonDocument { { "_id", 1 }, { "a", 2 }, { "team", "red" } },
            new BsonDocument { { "_id", 2 }, { "a", 3 }, { "team", "blue" } },
        ]);
        return source;
    }

    private static async Task<IMongoCollection<BsonDocument>> TargetAsync(TestDatabase db)
    {
        var target = db.Collection<BsonDocument>("target");
        await target.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "a", 1 }, { "kept", true } });
        return target;
    }

    private static Task<List<BsonDocument>> AllAsync(IMongoCollection<BsonDocument> collection) =>
        collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();

    /// <summary>
    /// The aggregate command itself: the driver's Aggregate helpers refuse a pipeline with $out or $merge anywhere but
    /// last before sending it, and read the target back after it; these tests are about what the server answers.
    /// </summary>
    private static Task<BsonDocument> RunAsync(IMongoCollection<BsonDocument> source, params BsonDocument[] stages) =>
        source.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "aggregate", source.CollectionNamespace.CollectionName },
            { "pipeline", new BsonArray(stages) },
            { "cursor", new BsonDocument() },
        });

    private static BsonDocument Merge(BsonValue whenMatched, string whenNotMatched) =>
        new("$merge", new BsonDocument { { "into", "target" }, { "whenMatched", whenMatched }, { "whenNotMatched", whenNotMatched } });

    [Fact]
    public async Task Out_replaces_the_targets_documents_and_keeps_its_indexes()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        var target = await TargetAsync(db);
        await target.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("team", 1), new CreateIndexOptions { Unique = true, Name = "team_unique" }));

        var reply = await RunAsync(source, new BsonDocument("$set", new BsonDocument("b", true)), new BsonDocument("$out", "target"));

        Assert.Empty(reply["cursor"]["firstBatch"].AsBsonArray);
        Assert.Equal(0, reply["cursor"]["id"].ToInt64());
        Assert.Equal(
            [new BsonDocument { { "_id", 1 }, { "a", 2 }, { "team", "red" }, { "b", true } }, new BsonDocument { { "_id", 2 }, { "a", 3 }, { "team", "blue" }, { "b", true } }],
            await AllAsync(target));
        var indexes = await (await target.Indexes.ListAsync()).ToListAsync();
        Assert.Contains(indexes, index => index["name"] == "team_unique" && index["unique"].ToBoolean());
    }

    [Fact]
    public async Task Out_that_breaks_the_targets_unique_index_fails_with_DuplicateKey_and_leaves_the_target_as_it_was()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        var target = await TargetAsync(db);
        await target.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("same", 1), new CreateIndexOptions { Unique = true }));

        var code = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$set", new BsonDocument("same", 1)), new BsonDocument("$out", "target")));

        Assert.Equal(11000, code);
        Assert.Equal([new BsonDocument { { "_id", 1 }, { "a", 1 }, { "kept", true } }], await AllAsync(target));
    }

    [Fact]
    public async Task Out_creates_a_missing_target_and_can_write_into_another_database()
    {
        await using var db = NewDatabase();
        await using var other = NewDatabase();
        var source = await SourceAsync(db);

        await RunAsync(source, new BsonDocument("$match", new BsonDocument("_id", 2)), new BsonDocument("$out", new BsonDocument { { "db", other.Name }, { "coll", "copy" } }));

        Assert.Equal([new BsonDocument { { "_id", 2 }, { "a", 3 }, { "team", "blue" } }], await AllAsync(other.Collection<BsonDocument>("copy")));
    }

    [Fact]
    public async Task Out_and_merge_must_be_the_last_stage_and_may_not_write_into_a_view()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        await db.Database.CreateViewAsync<BsonDocument, BsonDocument>("aView", "source", Array.Empty<BsonDocument>());

        var outFirst = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$out", "target"), new BsonDocument("$match", new BsonDocument())));
        var mergeFirst = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$merge", "target"), new BsonDocument("$match", new BsonDocument())));
        var outToView = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$out", "aView")));
        var mergeToView = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$merge", "aView")));

        // MongoDB documents that a view cannot be written; which code it answers is not documented, only that it fails.
        Assert.Equal([40601, 40601], new[] { outFirst, mergeFirst });
        Assert.NotEqual(0, outToView);
        Assert.NotEqual(0, mergeToView);
        var views = await (await db.Database.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", "aView") })).ToListAsync();
        Assert.Equal("view", views.Single()["type"].AsString);
        Assert.Empty(await (await db.Database.ListCollectionNamesAsync(new ListCollectionNamesOptions { Filter = new BsonDocument("name", "target") })).ToListAsync());
    }

    [Fact]
    public async Task Out_and_merge_are_refused_inside_a_transaction()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        await TargetAsync(db);
        using var session = await Target.Client.StartSessionAsync();
        session.StartTransaction();

        var merge = await ErrorCodes.OfAsync(() => db.Database.RunCommandAsync<BsonDocument>(session, new BsonDocument
        {
            { "aggregate", "source" },
            { "pipeline", new BsonArray { new BsonDocument("$merge", "target") } },
            { "cursor", new BsonDocument() },
        }));
        await session.AbortTransactionAsync();

        Assert.Equal(263, merge);
        Assert.Equal([new BsonDocument { { "_id", 1 }, { "a", 1 }, { "kept", true } }], await AllAsync(db.Collection<BsonDocument>("target")));
    }

    [Fact]
    public async Task Merge_by_default_merges_matched_documents_and_inserts_the_others()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        var target = await TargetAsync(db);

        await RunAsync(source, new BsonDocument("$merge", "target"));

        Assert.Equal(
            [new BsonDocument { { "_id", 1 }, { "a", 2 }, { "kept", true }, { "team", "red" } }, new BsonDocument { { "_id", 2 }, { "a", 3 }, { "team", "blue" } }],
            await AllAsync(target));
    }

    [Fact]
    public async Task Merge_replace_keepExisting_and_a_pipeline_each_treat_the_matched_document_as_MongoDB_does()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        var target = await TargetAsync(db);

        await RunAsync(source, Merge("replace", "discard"));
        var replaced = await AllAsync(target);
        await target.ReplaceOneAsync(new BsonDocument("_id", 1), new BsonDocument { { "_id", 1 }, { "a", 1 }, { "kept", true } });
        await RunAsync(source, Merge("keepExisting", "insert"));
        var kept = await AllAsync(target);
        var sumPipeline = new BsonArray { new BsonDocument("$set", new BsonDocument("a", new BsonDocument("$add", new BsonArray { "$a", "$$new.a" }))) };
        await RunAsync(source, Merge(sumPipeline, "insert"));
        var summed = await AllAsync(target);

        Assert.Equal([new BsonDocument { { "_id", 1 }, { "a", 2 }, { "team", "red" } }], replaced);
        Assert.Equal([new BsonDocument { { "_id", 1 }, { "a", 1 }, { "kept", true } }, new BsonDocument { { "_id", 2 }, { "a", 3 }, { "team", "blue" } }], kept);
        Assert.Equal([3, 6], summed.Select(d => d["a"].ToInt32()));
        Assert.True(summed[0]["kept"].AsBoolean);
    }

    [Fact]
    public async Task Merge_failure_modes_answer_DuplicateKey_and_MergeStageNoMatchingDocument()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        await TargetAsync(db);

        var matchedFail = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$match", new BsonDocument("_id", 1)), Merge("fail", "insert")));
        var notMatchedFail = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$match", new BsonDocument("_id", 2)), Merge("merge", "fail")));
        var failWithDiscard = await ErrorCodes.OfAsync(() => RunAsync(source, Merge("fail", "discard")));
        var unknownMode = await ErrorCodes.OfAsync(() => RunAsync(source, Merge("overwrite", "insert")));
        var letWithoutPipeline = await ErrorCodes.OfAsync(() => RunAsync(source,
            new BsonDocument("$merge", new BsonDocument { { "into", "target" }, { "let", new BsonDocument("x", 1) }, { "whenMatched", "merge" } })));

        Assert.Equal([11000, 13113, 51181, 2, 51199], new[] { matchedFail, notMatchedFail, failWithDiscard, unknownMode, letWithoutPipeline });
    }

    [Fact]
    public async Task Merge_on_other_fields_needs_a_unique_index_on_exactly_them_and_every_result_must_carry_them()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        var target = db.Collection<BsonDocument>("target");
        await target.InsertOneAsync(new BsonDocument { { "_id", 10 }, { "team", "red" }, { "score", 0 } });
        var onTeam = new BsonDocument("$merge", new BsonDocument { { "into", "target" }, { "on", "team" }, { "whenMatched", "merge" }, { "whenNotMatched", "insert" } });
        var withoutId = new BsonDocument("$project", new BsonDocument { { "_id", 0 }, { "team", 1 }, { "a", 1 } });

        var noIndex = await ErrorCodes.OfAsync(() => RunAsync(source, withoutId, onTeam));
        await target.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("team", 1), new CreateIndexOptions { Unique = true }));
        await RunAsync(source, withoutId, onTeam);
        var missingField = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$unset", "team"), onTeam));
        var arrayField = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$set", new BsonDocument("team", new BsonArray { "x", "y" })), onTeam));

        Assert.Equal([51183, 51132, 51185], new[] { noIndex, missingField, arrayField });
        var merged = await target.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("team", -1)).ToListAsync();
        Assert.Equal(2, merged.Count);
        Assert.Equal(new BsonDocument { { "_id", 10 }, { "team", "red" }, { "score", 0 }, { "a", 2 } }, merged[0]);
        Assert.Equal("blue", merged[1]["team"].AsString);
        Assert.Equal(3, merged[1]["a"].ToInt32());
    }

    [Fact]
    public async Task Merge_into_the_collection_being_aggregated_updates_it_in_place()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);

        await RunAsync(source, new BsonDocument("$project", new BsonDocument("double", new BsonDocument("$multiply", new BsonArray { "$a", 2 }))),
            new BsonDocument("$merge", new BsonDocument("into", "source")));

        Assert.Equal([4, 6], (await AllAsync(source)).Select(d => d["double"].ToInt32()));
        Assert.Equal(2, await source.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Merge_writes_are_validated_and_seen_by_change_streams_as_inserts_and_updates()
    {
        await using var db = NewDatabase();
        var source = await SourceAsync(db);
        await db.Database.CreateCollectionAsync("target", new CreateCollectionOptions<BsonDocument>
        {
            Validator = new BsonDocument("a", new BsonDocument("$type", "number")),
        });
        var target = db.Collection<BsonDocument>("target");
        await target.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "a", 1 } });
        using var stream = new ChangeStreamReader<BsonDocument>(await target.WatchAsync(ChangeStreamReader<BsonDocument>.Options()));

        await RunAsync(source, Merge("merge", "insert"));
        var events = await stream.NextAsync(2);
        var invalid = await ErrorCodes.OfAsync(() => RunAsync(source, new BsonDocument("$set", new BsonDocument("a", "text")), Merge("merge", "insert")));

        Assert.Equal([ChangeStreamOperationType.Update, ChangeStreamOperationType.Insert], events.Select(e => e.OperationType));
        var updatedFields = events[0].UpdateDescription.UpdatedFields;
        Assert.Equal(["a", "team"], updatedFields.Names.Order());
        Assert.Equal(2, updatedFields["a"].ToInt32());
        Assert.Equal("red", updatedFields["team"].AsString);
        Assert.Equal(2, events[1].DocumentKey["_id"].ToInt32());
        Assert.Equal(121, invalid);
        Assert.Equal([2, 3], (await AllAsync(target)).Select(d => d["a"].ToInt32()));
    }
}
