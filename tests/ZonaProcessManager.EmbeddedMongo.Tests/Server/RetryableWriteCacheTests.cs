using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Commands;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

public sealed class RetryableWriteCacheTests
{
    private static Task<BsonDocument> Reply(int n) => Task.FromResult(new BsonDocument("n", n));

    private static RetryableWrite Write(string session, long txnNumber, string command = "update") => new(session, txnNumber, command, "db.c");

    [Fact]
    public async Task A_retry_of_the_latest_write_gets_the_first_reply_and_does_not_run_again()
    {
        var cache = new RetryableWriteCache();
        var runs = 0;

        var first = await cache.RunOnceAsync(Write("s1", 7, "insert"), () => Reply(++runs));
        var retry = await cache.RunOnceAsync(Write("s1", 7, "insert"), () => Reply(++runs));

        Assert.Equal(1, runs);
        Assert.Equal(first, retry);
    }

    [Fact]
    public async Task A_busy_session_keeps_only_its_latest_reply_so_memory_stays_bounded()
    {
        var cache = new RetryableWriteCache();
        for (var txn = 1; txn <= 1000; txn++)
        {
            await cache.RunOnceAsync(Write("busy", txn), () => Reply(txn));
        }

        await cache.RunOnceAsync(Write("other", 1), () => Reply(1));

        Assert.Equal(2, cache.CachedReplyCount);
        var runs = 0;
        var retryOfLatest = await cache.RunOnceAsync(Write("busy", 1000), () => Reply(++runs));
        Assert.Equal(0, runs);
        Assert.Equal(1000, retryOfLatest["n"].AsInt32);
    }

    [Fact]
    public async Task A_failed_write_is_not_remembered_so_its_retry_runs()
    {
        var cache = new RetryableWriteCache();
        var runs = 0;

        await cache.RunOnceAsync(Write("s1", 1, "insert"), () => { runs++; return Task.FromResult(new BsonDocument { ["ok"] = 0, ["code"] = 11000 }); });
        await cache.RunOnceAsync(Write("s1", 1, "insert"), () => Reply(++runs));

        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task An_older_txnNumber_is_refused_as_too_old_without_running()
    {
        var cache = new RetryableWriteCache();
        await cache.RunOnceAsync(Write("s1", 5), () => Reply(1));
        var runs = 0;

        var error = await Assert.ThrowsAsync<MongoError>(() => cache.RunOnceAsync(Write("s1", 4), () => Reply(++runs)));

        Assert.Equal(225, error.Code);
        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task The_first_write_a_session_sends_after_a_restart_is_checked_against_the_stored_record()
    {
        var stored = new Storage.RetryableWriteRecord(9, "update", "db.c", new BsonDocument("n", 1));
        var cache = new RetryableWriteCache(session => session == "s1" ? stored : null);
        var runs = 0;

        var retry = await cache.RunOnceAsync(Write("s1", 9), () => Reply(++runs));
        var fresh = await cache.RunOnceAsync(Write("s2", 9), () => Reply(++runs));

        Assert.Equal(1, retry["n"].AsInt32);
        Assert.Equal(1, runs);
        Assert.Equal(1, fresh["n"].AsInt32);
    }

    [Fact]
    public void A_session_named_by_endSessions_has_the_same_key_as_the_commands_that_ran_in_it()
    {
        var uuid = Guid.NewGuid();
        var id = new BsonBinaryData(uuid, GuidRepresentation.Standard);
        var command = new BsonDocument { ["insert"] = "c", ["lsid"] = new BsonDocument("id", id) };
        var other = new BsonDocument { ["insert"] = "c", ["lsid"] = new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard)) };

        // endSessions sends the bare ids; a different key would leave the ended session's transaction holding the writer.
        Assert.Equal(RetryableWriteCache.SessionKeyOf(command), RetryableWriteCache.SessionKeyOfId(id));
        Assert.NotEqual(RetryableWriteCache.SessionKeyOf(command), RetryableWriteCache.SessionKeyOf(other));
        Assert.NotEqual(RetryableWriteCache.SessionKeyOfId(new BsonInt32(1234)), RetryableWriteCache.SessionKeyOfId(new BsonBinaryData([0x12, 0x34])));
        Assert.Null(RetryableWriteCache.SessionKeyOf(new BsonDocument("insert", "c")));
    }
}
