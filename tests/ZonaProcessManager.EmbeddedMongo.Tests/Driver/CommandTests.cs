using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class CommandTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    [Fact]
    public async Task Unknown_command_fails_with_CommandNotFound_and_the_connection_keeps_working()
    {
        await using var db = NewDatabase();

        var error = await Assert.ThrowsAsync<MongoCommandException>(
            () => db.Database.RunCommandAsync<BsonDocument>(new BsonDocument("frobnicateTheWidgets", 1)));

        Assert.Equal(59, error.Code);
        Assert.Equal("CommandNotFound", error.CodeName);
        Assert.Contains("frobnicateTheWidgets", error.Message);
        var ping = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
        Assert.Equal(1, ping["ok"].ToInt32());
    }

    [Fact]
    public async Task ListDatabases_includes_a_database_once_it_holds_data()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("x", 1));

        var names = await (await db.Client.ListDatabaseNamesAsync()).ToListAsync();

        Assert.Contains(db.Name, names);
    }

    [Fact]
    public async Task KillCursors_closes_an_open_cursor_so_getMore_reports_CursorNotFound()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertManyAsync(Enumerable.Range(0, 10).Select(i => new BsonDocument("_id", i)));

        var find = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "find", "c" }, { "batchSize", 2 } });
        var cursorId = find["cursor"]["id"].ToInt64();
        Assert.NotEqual(0, cursorId);
        Assert.Equal(2, find["cursor"]["firstBatch"].AsBsonArray.Count);

        var killed = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "killCursors", "c" },
            { "cursors", new BsonArray { cursorId } },
        });
        Assert.Contains(new BsonInt64(cursorId), killed["cursorsKilled"].AsBsonArray);

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => db.Database.RunCommandAsync<BsonDocument>(
            new BsonDocument { { "getMore", cursorId }, { "collection", "c" } }));
        Assert.Equal(43, error.Code);
    }

    [Fact]
    public async Task Raw_find_and_getMore_page_through_a_collection_and_close_the_cursor_at_the_end()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertManyAsync(Enumerable.Range(0, 5).Select(i => new BsonDocument("_id", i)));

        var find = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "find", "c" }, { "sort", new BsonDocument("_id", 1) }, { "batchSize", 3 },
        });
        var seen = find["cursor"]["firstBatch"].AsBsonArray.Select(d => d["_id"].ToInt32()).ToList();
        Assert.Equal($"{db.Name}.c", find["cursor"]["ns"].AsString);
        var more = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "getMore", find["cursor"]["id"].ToInt64() }, { "collection", "c" }, { "batchSize", 3 },
        });
        seen.AddRange(more["cursor"]["nextBatch"].AsBsonArray.Select(d => d["_id"].ToInt32()));

        Assert.Equal([0, 1, 2, 3, 4], seen);
        Assert.Equal(0, more["cursor"]["id"].ToInt64());
    }

    [Fact]
    public async Task DbStats_and_serverStatus_answer_ok()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("x", 1));

        var dbStats = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument("dbStats", 1));
        var serverStatus = await db.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("serverStatus", 1));

        Assert.Equal(db.Name, dbStats["db"].AsString);
        Assert.True(dbStats["collections"].ToInt32() >= 1);
        Assert.Equal(1, serverStatus["ok"].ToInt32());
    }
}
