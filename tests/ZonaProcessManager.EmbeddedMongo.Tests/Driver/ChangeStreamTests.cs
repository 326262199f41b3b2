using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class ChangeStreamTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    public sealed record Service
    {
        public string Id { get; init; } = "";
        public string Image { get; init; } = "";
        public int Replicas { get; init; }
    }

    [Fact]
    public async Task Collection_stream_reports_insert_update_replace_and_delete_in_order_with_their_fields()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await db.Database.CreateCollectionAsync("c");
        using var stream = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(ChangeStreamReader<BsonDocument>.Options()));

        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 1, a: 1, b: 1 }"));
        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { a: 2, 'n.x': 1 }, $unset: { b: '' } }"));
        await collection.ReplaceOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ _id: 1, r: true }"));
        await collection.DeleteOneAsync(new BsonDocument("_id", 1));
        var events = await stream.NextAsync(4);

        Assert.Equal(
            [ChangeStreamOperationType.Insert, ChangeStreamOperationType.Update, ChangeStreamOperationType.Replace, ChangeStreamOperationType.Delete],
            events.Select(e => e.OperationType));
        Assert.All(events, e =>
        {
            Assert.Equal(new CollectionNamespace(db.Name, "c"), e.CollectionNamespace);
            Assert.Equal(new BsonDocument("_id", 1), e.DocumentKey);
            Assert.NotNull(e.ResumeToken);
            Assert.NotNull(e.ClusterTime);
            Assert.NotNull(e.WallTime);
        });
        Assert.Equal(BsonDocument.Parse("{ _id: 1, a: 1, b: 1 }"), events[0].FullDocument);
        Assert.Equal(BsonDocument.Parse("{ a: 2, 'n.x': 1 }"), NormalizeUpdatedFields(events[1].UpdateDescription.UpdatedFields));
        Assert.Equal(["b"], events[1].UpdateDescription.RemovedFields);
        Assert.Null(events[1].FullDocument);
        Assert.Equal(BsonDocument.Parse("{ _id: 1, r: true }"), events[2].FullDocument);
        Assert.Null(events[3].FullDocument);
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.First.ClusterTime <= pair.Second.ClusterTime));
    }

    [Fact]
    public async Task UpdateLookup_delivers_the_current_document_with_update_events_to_a_typed_stream()
    {
        await using var db = NewDatabase();
        var services = db.Collection<Service>("services");
        await services.InsertOneAsync(new Service { Id = "api", Image = "api:1", Replicas = 1 });
        using var stream = new ChangeStreamReader<Service>(await services.WatchAsync(
            ChangeStreamReader<Service>.Options(new ChangeStreamOptions { FullDocument = ChangeStreamFullDocumentOption.UpdateLookup })));

        await services.UpdateOneAsync(s => s.Id == "api", Builders<Service>.Update.Set(s => s.Replicas, 3));
        var change = await stream.NextAsync();

        Assert.Equal(ChangeStreamOperationType.Update, change.OperationType);
        Assert.Equal(new Service { Id = "api", Image = "api:1", Replicas = 3 }, change.FullDocument);
        Assert.Equal(new BsonDocument("Replicas", 3), change.UpdateDescription.UpdatedFields);
    }

    [Fact]
    public async Task A_match_stage_after_changeStream_delivers_only_matching_events()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await db.Database.CreateCollectionAsync("c");
        var pipeline = new EmptyPipelineDefinition<ChangeStreamDocument<BsonDocument>>()
            .Match(BsonDocument.Parse("{ operationType: 'insert', 'fullDocument.kind': 'wanted' }"));
        using var stream = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(pipeline, ChangeStreamReader<BsonDocument>.Options()));

        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 1, kind: 'other' }"));
        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { kind: 'wanted' } }"));
        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 2, kind: 'wanted' }"));
        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 3, kind: 'wanted' }"));
        var events = await stream.NextAsync(2);

        Assert.Equal([2, 3], events.Select(e => e.DocumentKey["_id"].AsInt32));
    }

    [Fact]
    public async Task Database_stream_sees_every_collection_of_its_database_and_nothing_else()
    {
        await using var db = NewDatabase();
        await using var other = NewDatabase();
        await db.Database.CreateCollectionAsync("a");
        using var stream = new ChangeStreamReader<BsonDocument>(await db.Database.WatchAsync(ChangeStreamReader<BsonDocument>.Options()));

        await other.Collection<BsonDocument>("a").InsertOneAsync(new BsonDocument("_id", "elsewhere"));
        await db.Collection<BsonDocument>("a").InsertOneAsync(new BsonDocument("_id", "in-a"));
        await db.Collection<BsonDocument>("b").InsertOneAsync(new BsonDocument("_id", "in-b"));
        var events = await stream.NextAsync(2);

        Assert.Equal(["a:in-a", "b:in-b"], events.Select(e => $"{e.CollectionNamespace.CollectionName}:{e.DocumentKey["_id"]}"));
        Assert.All(events, e => Assert.Equal(db.Name, e.CollectionNamespace.DatabaseNamespace.DatabaseName));
    }

    [Fact]
    public async Task Cluster_stream_sees_events_from_every_database()
    {
        await using var first = NewDatabase();
        await using var second = NewDatabase();
        // Other tests may write to the same deployment concurrently, so only this test's databases are watched.
        var pipeline = new EmptyPipelineDefinition<ChangeStreamDocument<BsonDocument>>()
            .Match(new BsonDocument("ns.db", new BsonDocument("$in", new BsonArray { first.Name, second.Name })));
        using var stream = new ChangeStreamReader<BsonDocument>(await first.Client.WatchAsync(pipeline, ChangeStreamReader<BsonDocument>.Options()));

        await first.Collection<BsonDocument>("x").InsertOneAsync(new BsonDocument("_id", 1));
        await second.Collection<BsonDocument>("y").InsertOneAsync(new BsonDocument("_id", 2));
        var events = await stream.NextAsync(2);

        Assert.Equal([$"{first.Name}.x", $"{second.Name}.y"], events.Select(e => e.CollectionNamespace.FullName));
    }

    [Fact]
    public async Task Dropping_the_collection_emits_drop_then_invalidate_and_ends_the_stream()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument("_id", 1));
        using var cursor = await collection.WatchAsync(ChangeStreamReader<BsonDocument>.Options());
        using var stream = new ChangeStreamReader<BsonDocument>(cursor);

        await db.Database.DropCollectionAsync("c");
        var events = await stream.NextAsync(2);

        Assert.Equal([ChangeStreamOperationType.Drop, ChangeStreamOperationType.Invalidate], events.Select(e => e.OperationType));
        Assert.False(await cursor.MoveNextAsync());
    }

    [Fact]
    public async Task Renaming_the_collection_emits_rename_with_the_target_then_invalidate()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("before");
        await collection.InsertOneAsync(new BsonDocument("_id", 1));
        using var stream = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(ChangeStreamReader<BsonDocument>.Options()));

        await db.Database.RenameCollectionAsync("before", "after");
        var events = await stream.NextAsync(2);

        Assert.Equal([ChangeStreamOperationType.Rename, ChangeStreamOperationType.Invalidate], events.Select(e => e.OperationType));
        Assert.Equal(new CollectionNamespace(db.Name, "after"), events[0].RenameTo);
    }

    [Fact]
    public async Task Dropping_the_database_emits_drop_and_dropDatabase_then_invalidates_a_database_stream()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));
        using var stream = new ChangeStreamReader<BsonDocument>(await db.Database.WatchAsync(ChangeStreamReader<BsonDocument>.Options()));

        await db.Client.DropDatabaseAsync(db.Name);
        var events = await stream.NextAsync(3);

        Assert.Equal(
            [ChangeStreamOperationType.Drop, ChangeStreamOperationType.DropDatabase, ChangeStreamOperationType.Invalidate],
            events.Select(e => e.OperationType));
    }

    [Fact]
    public async Task ResumeAfter_a_stored_token_delivers_exactly_the_events_that_followed_it()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await db.Database.CreateCollectionAsync("c");
        BsonDocument storedToken;
        using (var first = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(ChangeStreamReader<BsonDocument>.Options())))
        {
            await collection.InsertOneAsync(new BsonDocument("_id", 1));
            storedToken = (await first.NextAsync()).ResumeToken;
        }

        await collection.InsertOneAsync(new BsonDocument("_id", 2));
        await collection.InsertOneAsync(new BsonDocument("_id", 3));
        using var resumed = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(
            ChangeStreamReader<BsonDocument>.Options(new ChangeStreamOptions { ResumeAfter = storedToken })));
        var events = await resumed.NextAsync(2);

        Assert.Equal([2, 3], events.Select(e => e.DocumentKey["_id"].AsInt32));
    }

    [Fact]
    public async Task StartAfter_an_invalidate_event_follows_the_recreated_collection()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument("_id", 1));
        BsonDocument invalidateToken;
        using (var first = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(ChangeStreamReader<BsonDocument>.Options())))
        {
            await db.Database.DropCollectionAsync("c");
            var events = await first.NextAsync(2);
            Assert.Equal(ChangeStreamOperationType.Invalidate, events[1].OperationType);
            invalidateToken = events[1].ResumeToken;
        }

        await collection.InsertOneAsync(new BsonDocument("_id", "reborn"));
        using var reopened = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(
            ChangeStreamReader<BsonDocument>.Options(new ChangeStreamOptions { StartAfter = invalidateToken })));
        var next = await reopened.NextAsync();

        Assert.Equal(ChangeStreamOperationType.Insert, next.OperationType);
        Assert.Equal("reborn", next.DocumentKey["_id"].AsString);
    }

    [Fact]
    public async Task StartAtOperationTime_replays_events_from_that_time_on()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument("_id", 0));
        using var session = await db.Client.StartSessionAsync();
        await collection.InsertOneAsync(session, new BsonDocument("_id", 1));
        var operationTime = session.OperationTime;
        await collection.InsertOneAsync(new BsonDocument("_id", 2));

        using var stream = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(
            ChangeStreamReader<BsonDocument>.Options(new ChangeStreamOptions { StartAtOperationTime = operationTime })));
        var events = await stream.NextAsync(2);

        Assert.NotNull(operationTime);
        Assert.Equal([1, 2], events.Select(e => e.DocumentKey["_id"].AsInt32));
    }

    [Fact]
    public async Task Empty_batches_still_advance_the_resume_token_and_resuming_from_it_skips_nothing_new()
    {
        await using var db = NewDatabase();
        var quiet = db.Collection<BsonDocument>("quiet");
        var busy = db.Collection<BsonDocument>("busy");
        await db.Database.CreateCollectionAsync("quiet");
        await quiet.InsertOneAsync(new BsonDocument("_id", "before"));
        BsonDocument advancedToken;
        using (var stream = new ChangeStreamReader<BsonDocument>(await quiet.WatchAsync(ChangeStreamReader<BsonDocument>.Options())))
        {
            var initialToken = stream.ResumeToken;
            Assert.NotNull(initialToken);

            var writes = 0;
            await Eventually.TrueAsync(
                async () =>
                {
                    await busy.InsertOneAsync(new BsonDocument("_id", ++writes));
                    Assert.Equal(0, await stream.PollOnceAsync());
                    return !initialToken.Equals(stream.ResumeToken);
                },
                TimeSpan.FromSeconds(30),
                "the post-batch resume token of empty batches to move past writes in other collections");
            advancedToken = stream.ResumeToken!;
        }

        await quiet.InsertOneAsync(new BsonDocument("_id", "after"));
        using var resumed = new ChangeStreamReader<BsonDocument>(await quiet.WatchAsync(
            ChangeStreamReader<BsonDocument>.Options(new ChangeStreamOptions { ResumeAfter = advancedToken })));

        Assert.Equal("after", (await resumed.NextAsync()).DocumentKey["_id"].AsString);
    }

    [Fact]
    public async Task A_waiting_getMore_returns_when_an_event_arrives_rather_than_at_maxAwaitTime()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await db.Database.CreateCollectionAsync("c");
        using var stream = new ChangeStreamReader<BsonDocument>(await collection.WatchAsync(
            new ChangeStreamOptions { MaxAwaitTime = TimeSpan.FromSeconds(60) }));

        var waiting = stream.NextAsync(TimeSpan.FromSeconds(120));
        await collection.InsertOneAsync(new BsonDocument("_id", "late"));

        // Not a latency measurement: a server that ignored the event until maxAwaitTime would take 60 s, not < 30 s.
        var change = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("late", change.DocumentKey["_id"].AsString);
    }

    private static BsonDocument NormalizeUpdatedFields(BsonDocument updatedFields)
    {
        // MongoDB reports a $set on a new dotted path either as 'n.x' or as the created parent 'n'; both mean the same.
        if (updatedFields.Contains("n") && updatedFields["n"] is BsonDocument parent && parent.ElementCount == 1 && parent.Contains("x"))
        {
            var copy = new BsonDocument(updatedFields);
            copy.Remove("n");
            copy["n.x"] = parent["x"];
            return copy;
        }

        return updatedFields;
    }
}
