using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Storage;
using ZonaProcessManager.EmbeddedMongo.Tests.Robustness;
using static ZonaProcessManager.EmbeddedMongo.Tests.Server.RetryableCommands;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

/// <summary>
/// A driver retries a write whose reply it lost, with the same lsid and txnNumber, also when the reply was lost because
/// the server went down. The server restarted on the same data directory must answer that retry as the first time and
/// not apply it again.
/// </summary>
public sealed class DurableRetryableWriteTests : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private readonly string directory = Path.Combine(Path.GetTempPath(), "zpm-retry-test-" + Guid.NewGuid().ToString("N"));
    private EmbeddedMongoServer? server;

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task<RawWireClient> RestartAsync()
    {
        if (server is not null)
        {
            await server.StopAsync();
        }

        server = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions { Port = 0, DataDirectory = directory });
        var admin = server.EnsureAdminUser();
        return await RawWireClient.ConnectAsync(server.ConnectionStringFor(admin.User, admin.Password));
    }

    [Fact]
    public async Task Writes_retried_after_a_restart_answer_as_the_first_time_and_are_applied_once()
    {
        // One session per write: a driver retries only a session's latest write.
        var writes = new (Guid Session, BsonDocument Command)[]
        {
            (Guid.NewGuid(), Insert("c", new BsonDocument { { "_id", "counter" }, { "n", 0 } })),
            (Guid.NewGuid(), Increment("c", "counter")),
            (Guid.NewGuid(), FindAndIncrement("c", "counter", 10)),
            (Guid.NewGuid(), Insert("c", new BsonDocument("_id", "doomed"))),
            (Guid.NewGuid(), DeleteOne("c", "doomed")),
        };
        var first = new List<BsonDocument>();
        using (var client = await RestartAsync())
        {
            foreach (var (session, command) in writes)
            {
                first.Add(Outcome(await client.CommandAsync(Retryable((BsonDocument)command.DeepClone(), session, 7, "retry"), ReplyTimeout)));
            }
        }

        using (var client = await RestartAsync())
        {
            for (var i = 0; i < writes.Length; i++)
            {
                var retry = Outcome(await client.CommandAsync(Retryable((BsonDocument)writes[i].Command.DeepClone(), writes[i].Session, 7, "retry"), ReplyTimeout));
                Assert.True(first[i] == retry, $"retry of {writes[i].Command.GetElement(0).Name} answered {retry}, the first time {first[i]}");
            }

            var stored = await client.CommandAsync(new BsonDocument { { "find", "c" }, { "filter", new BsonDocument() }, { "$db", "retry" } }, ReplyTimeout);
            var documents = stored["cursor"]["firstBatch"].AsBsonArray.Select(d => d.AsBsonDocument).ToList();
            var counter = Assert.Single(documents);
            Assert.Equal(11, counter["n"].ToInt32());
            Assert.Equal(11, first[2]["value"]["n"].ToInt32());
        }
    }

    [Fact]
    public async Task After_a_restart_an_older_txnNumber_is_too_old_and_a_reused_one_must_name_the_same_write()
    {
        var session = Guid.NewGuid();
        using (var client = await RestartAsync())
        {
            await client.CommandAsync(Retryable(Insert("c", new BsonDocument { { "_id", 1 }, { "n", 0 } }), session, 4, "retry"), ReplyTimeout);
            await client.CommandAsync(Retryable(Increment("c", 1), session, 5, "retry"), ReplyTimeout);
        }

        using (var client = await RestartAsync())
        {
            var older = await client.CommandAsync(Retryable(Insert("c", new BsonDocument { { "_id", 1 }, { "n", 0 } }), session, 4, "retry"), ReplyTimeout);
            Assert.Equal(225, older["code"].ToInt32());
            Assert.Equal("TransactionTooOld", older["codeName"].AsString);

            var otherWrite = await client.CommandAsync(Retryable(DeleteOne("c", 1), session, 5, "retry"), ReplyTimeout);
            Assert.Equal(217, otherWrite["code"].ToInt32());
            var otherCollection = await client.CommandAsync(Retryable(Increment("d", 1), session, 5, "retry"), ReplyTimeout);
            Assert.Equal(40638, otherCollection["code"].ToInt32());

            var next = await client.CommandAsync(Retryable(Increment("c", 1), session, 6, "retry"), ReplyTimeout);
            Assert.Equal(1, next["nModified"].ToInt32());
            var stored = await client.CommandAsync(new BsonDocument { { "find", "c" }, { "filter", new BsonDocument("_id", 1) }, { "$db", "retry" } }, ReplyTimeout);
            Assert.Equal(2, stored["cursor"]["firstBatch"][0]["n"].ToInt32());
        }
    }

    [Fact]
    public void Records_older_than_the_cutoff_are_pruned_and_a_record_never_goes_back_to_an_older_txnNumber()
    {
        using var store = MongoStore.Open(directory);
        var reply = new BsonDocument("n", 1);
        Assert.True(store.Write(write => write.TryRecordRetryableWrite("s", 3, "insert", "db.c", reply)));
        Assert.False(store.Write(write => write.TryRecordRetryableWrite("s", 3, "insert", "db.c", reply)));
        Assert.False(store.Write(write => write.TryRecordRetryableWrite("s", 2, "insert", "db.c", reply)));

        Assert.Equal(0, store.PruneRetryableWrites(DateTime.UtcNow.AddMinutes(-30)));
        Assert.Equal(3, store.LoadRetryableWrite("s")?.TxnNumber);
        Assert.Equal(1, store.PruneRetryableWrites(DateTime.UtcNow.AddMinutes(1)));
        Assert.Null(store.LoadRetryableWrite("s"));
    }
}
