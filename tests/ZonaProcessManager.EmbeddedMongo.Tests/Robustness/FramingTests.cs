using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Robustness;

/// <summary>
/// However TCP slices the byte stream, every frame is read whole and answered in order: several frames in one segment,
/// one frame in many pieces, a frame much bigger than the usual read, and ordinary traffic after it.
/// </summary>
public sealed class FramingTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Commands_sent_back_to_back_in_one_write_are_each_answered_in_order()
    {
        await using var db = NewDatabase();
        using var raw = await ConnectRawAsync();
        var frames = Enumerable.Range(0, 3)
            .Select(i => raw.OpMsgFrame(new BsonDocument
            {
                { "insert", "pipelined" },
                { "documents", new BsonArray { new BsonDocument { { "_id", i }, { "order", i } } } },
                { "$db", db.Name },
            }.ToBson()))
            .SelectMany(frame => frame)
            .ToArray();

        await raw.SendAsync(frames);

        for (var i = 0; i < 3; i++)
        {
            var (outcome, reply) = await raw.ReadOutcomeAsync(ReplyTimeout);
            Assert.Equal(RawOutcome.Replied, outcome);
            Assert.Equal(1, reply!["ok"].ToInt32());
            Assert.Equal(1, reply["n"].ToInt32());
        }

        var stored = await db.Collection<BsonDocument>("pipelined").Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal([0, 1, 2], stored.Select(d => d["order"].ToInt32()));
    }

    [Fact]
    public async Task A_large_frame_arriving_in_pieces_is_stored_whole_and_the_connection_keeps_serving()
    {
        await using var db = NewDatabase();
        using var raw = await ConnectRawAsync();
        var payload = new string('x', 200_000);
        var frame = raw.OpMsgFrame(new BsonDocument
        {
            { "insert", "large" },
            { "documents", new BsonArray { new BsonDocument { { "_id", "big" }, { "payload", payload } } } },
            { "$db", db.Name },
        }.ToBson());

        // Header split in two, then the body in uneven chunks.
        var cuts = new[] { 0, 7, 16, 1000, 70_000, 150_000, frame.Length };
        for (var i = 0; i + 1 < cuts.Length; i++)
        {
            await raw.SendAsync(frame[cuts[i]..cuts[i + 1]]);
        }

        var (outcome, reply) = await raw.ReadOutcomeAsync(ReplyTimeout);
        Assert.Equal(RawOutcome.Replied, outcome);
        Assert.Equal(1, reply!["n"].ToInt32());

        var ping = await raw.CommandAsync(new BsonDocument { { "ping", 1 }, { "$db", "admin" } }, ReplyTimeout);
        Assert.Equal(1, ping["ok"].ToInt32());
        var stored = await db.Collection<BsonDocument>("large").Find(new BsonDocument("_id", "big")).SingleAsync();
        Assert.Equal(payload, stored["payload"].AsString);
    }

    private async Task<RawWireClient> ConnectRawAsync()
    {
        return await RawWireClient.ConnectAsync(Target.ConnectionString);
    }
}
