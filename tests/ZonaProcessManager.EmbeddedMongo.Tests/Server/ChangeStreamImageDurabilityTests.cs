using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

/// <summary>
/// Pre- and post-images live in the change journal next to their events: a restart keeps them as it keeps the events,
/// and retention trims them with the events (resuming behind the trimmed history answers 286 labelled
/// NonResumableChangeStreamError). These need control over the server's lifetime and retention, so they run their own
/// embedded server.
/// </summary>
public sealed class ChangeStreamImageDurabilityTests : IAsyncDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "zpm-images-test-" + Guid.NewGuid().ToString("N"));
    private EmbeddedMongoServer? server;
    private MongoClient? client;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Images_recorded_before_a_restart_are_delivered_when_resuming_after_it()
    {
        var collection = await StartAsync(TimeSpan.FromHours(1));
        await collection.Database.CreateCollectionAsync("c", new CreateCollectionOptions
        {
            ChangeStreamPreAndPostImagesOptions = new ChangeStreamPreAndPostImagesOptions { Enabled = true },
        });
        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 1, v: 1 }"));
        BsonDocument token;
        using (var stream = await collection.WatchAsync(new ChangeStreamOptions { MaxAwaitTime = TimeSpan.FromMilliseconds(200) }))
        {
            token = stream.GetResumeToken();
        }

        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { v: 2 } }"));
        await collection.DeleteOneAsync(new BsonDocument("_id", 1));
        await StopAsync();

        collection = await StartAsync(TimeSpan.FromHours(1));
        using var resumed = await collection.WatchAsync(new ChangeStreamOptions
        {
            ResumeAfter = token,
            FullDocument = ChangeStreamFullDocumentOption.Required,
            FullDocumentBeforeChange = ChangeStreamFullDocumentBeforeChangeOption.Required,
            MaxAwaitTime = TimeSpan.FromMilliseconds(200),
        });
        var events = await NextAsync(resumed, 2);

        Assert.Equal(BsonDocument.Parse("{ _id: 1, v: 2 }"), events[0].FullDocument);
        Assert.Equal(BsonDocument.Parse("{ _id: 1, v: 1 }"), events[0].FullDocumentBeforeChange);
        Assert.Equal(BsonDocument.Parse("{ _id: 1, v: 2 }"), events[1].FullDocumentBeforeChange);
    }

    [Fact]
    public async Task Retention_trims_images_with_their_events_and_resuming_behind_them_is_not_resumable()
    {
        var collection = await StartAsync(TimeSpan.FromSeconds(1));
        await collection.Database.CreateCollectionAsync("c", new CreateCollectionOptions
        {
            ChangeStreamPreAndPostImagesOptions = new ChangeStreamPreAndPostImagesOptions { Enabled = true },
        });
        await collection.InsertOneAsync(BsonDocument.Parse("{ _id: 1, v: 1 }"));
        BsonDocument token;
        using (var stream = await collection.WatchAsync(new ChangeStreamOptions { MaxAwaitTime = TimeSpan.FromMilliseconds(200) }))
        {
            token = stream.GetResumeToken();
        }

        await collection.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { v: 2 } }"));
        MongoCommandException? lost = null;
        var writes = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                // Pruning always keeps the newest entry, so later writes let the update's entry age out.
                await collection.InsertOneAsync(new BsonDocument("_id", $"later-{++writes}"));
                try
                {
                    using var cursor = await collection.WatchAsync(new ChangeStreamOptions
                    {
                        ResumeAfter = token,
                        FullDocumentBeforeChange = ChangeStreamFullDocumentBeforeChangeOption.Required,
                    });
                    return false;
                }
                catch (MongoCommandException exception) when (exception.Code == 286)
                {
                    lost = exception;
                    return true;
                }
            },
            TimeSpan.FromSeconds(30),
            "the server to prune the history holding the update and its images");

        Assert.True(lost!.HasErrorLabel("NonResumableChangeStreamError"));
    }

    private async Task<IMongoCollection<BsonDocument>> StartAsync(TimeSpan retention)
    {
        server = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions { Port = 0, DataDirectory = directory, ChangeStreamHistoryRetention = retention });
        var admin = server.EnsureAdminUser();
        client = new MongoClient(server.ConnectionStringFor(admin.User, admin.Password));
        return client.GetDatabase("images").GetCollection<BsonDocument>("c");
    }

    private async Task StopAsync()
    {
        client?.Dispose();
        client = null;
        if (server is not null)
        {
            await server.DisposeAsync();
            server = null;
        }
    }

    private static async Task<List<ChangeStreamDocument<BsonDocument>>> NextAsync(IChangeStreamCursor<ChangeStreamDocument<BsonDocument>> cursor, int count)
    {
        var events = new List<ChangeStreamDocument<BsonDocument>>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (events.Count < count && DateTime.UtcNow < until && await cursor.MoveNextAsync())
        {
            events.AddRange(cursor.Current);
        }

        Assert.True(events.Count >= count, $"expected {count} events, got {events.Count}");
        return events;
    }
}
