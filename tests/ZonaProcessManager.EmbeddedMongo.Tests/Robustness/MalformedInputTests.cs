using System.Buffers.Binary;
using CsCheck;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Robustness;

/// <summary>
/// Hostile or broken clients on raw sockets: whatever they send, only their own connection suffers; the server keeps
/// serving a normal driver client and nothing stored changes.
/// </summary>
public sealed class MalformedInputTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_hand_built_OP_MSG_ping_is_answered_so_the_raw_client_itself_is_sound()
    {
        await using var db = NewDatabase();
        using var raw = await ConnectRawAsync();

        var reply = await raw.CommandAsync(BsonDocument.Parse("{ ping: 1, $db: 'admin' }"), ReplyTimeout);

        Assert.Equal(1, reply["ok"].ToInt32());
    }

    [Fact]
    public async Task Random_frames_never_disturb_other_clients_or_stored_data()
    {
        await using var db = NewDatabase();
        var seeded = await SeedAsync(db);
        var header = Gen.Select(Gen.Int[-100, 100_000], Gen.OneOfConst(2013, 2004, 1, 2012, 0, -1, 9999), (length, opCode) => (length, opCode));
        var frames = Gen.OneOf(
            Gen.Byte.Array[0, 600],
            Gen.Select(header, Gen.Byte.Array[0, 400], (h, body) => WithHeader(h.length, h.opCode, body)),
            Gen.Select(Gen.Byte.Array[0, 400], body => WithHeader(16 + 5 + body.Length, RawWireClient.OpMsg, [0, 0, 0, 0, 0, .. body])));

        await frames.SampleAsync(
            async frame =>
            {
                using (var hostile = await ConnectRawAsync())
                {
                    await hostile.SendAsync(frame);
                    hostile.ShutdownSend();
                    await hostile.ReadOutcomeAsync(TimeSpan.FromMilliseconds(300));
                }

                using var probe = await ConnectRawAsync();
                var ping = await probe.CommandAsync(BsonDocument.Parse("{ ping: 1, $db: 'admin' }"), ReplyTimeout);
                Assert.Equal(1, ping["ok"].ToInt32());
            },
            iter: 60,
            threads: 2,
            print: frame => Convert.ToHexString(frame));

        await AssertServesAndKeepsAsync(db, seeded);
    }

    [Fact]
    public async Task A_length_prefix_over_48_MB_is_refused_without_waiting_for_the_bytes()
    {
        await using var db = NewDatabase();
        var seeded = await SeedAsync(db);
        using var hostile = await ConnectRawAsync();

        var body = BsonDocument.Parse("{ ping: 1, $db: 'admin' }").ToBson();
        await hostile.SendAsync(hostile.Frame(RawWireClient.OpMsg, [0, 0, 0, 0, 0, .. body], declaredLength: 64_000_000));
        var (outcome, reply) = await hostile.ReadOutcomeAsync(ReplyTimeout);

        Output.WriteLine($"oversize frame: {outcome} {reply?.ToJson()}");
        Assert.True(
            outcome == RawOutcome.Closed || (outcome == RawOutcome.Replied && reply!["ok"].ToInt32() == 0),
            $"expected the connection to be closed or answered with an error, got {outcome}");
        await AssertServesAndKeepsAsync(db, seeded);
    }

    [Fact]
    public async Task Slowloris_connections_holding_half_a_frame_do_not_block_anyone_else()
    {
        await using var db = NewDatabase();
        var seeded = await SeedAsync(db);
        var stalled = new List<RawWireClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var slow = await ConnectRawAsync();
                stalled.Add(slow);
                var frame = slow.OpMsgFrame(BsonDocument.Parse("{ ping: 1, $db: 'admin' }").ToBson());
                await slow.SendAsync(frame[..(frame.Length / 2)]);
            }

            await AssertServesAndKeepsAsync(db, seeded);
        }
        finally
        {
            stalled.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task An_unknown_opcode_is_answered_with_an_error_or_a_close()
    {
        await using var db = NewDatabase();
        var seeded = await SeedAsync(db);
        using var hostile = await ConnectRawAsync();

        await hostile.SendAsync(hostile.Frame(4242, BsonDocument.Parse("{ ping: 1 }").ToBson()));
        var (outcome, _) = await hostile.ReadOutcomeAsync(ReplyTimeout);

        Assert.NotEqual(RawOutcome.Silent, outcome);
        await AssertServesAndKeepsAsync(db, seeded);
    }

    [Fact]
    public async Task Broken_BSON_in_a_command_is_answered_with_an_error_or_a_close()
    {
        await using var db = NewDatabase();
        var seeded = await SeedAsync(db);
        using var hostile = await ConnectRawAsync();
        var body = new BsonDocument { { "insert", "items" }, { "$db", db.Name }, { "documents", new BsonArray { new BsonDocument("_id", "broken") } } }.ToBson();
        // Make the first element's string length claim far more bytes than the document holds.
        var lengthOffset = 4 + 1 + "insert".Length + 1;
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(lengthOffset), 100_000);

        await hostile.SendAsync(hostile.OpMsgFrame(body));
        var (outcome, reply) = await hostile.ReadOutcomeAsync(ReplyTimeout);

        Output.WriteLine($"broken BSON: {outcome} {reply?.ToJson()}");
        Assert.True(
            outcome == RawOutcome.Closed || (outcome == RawOutcome.Replied && reply!["ok"].ToInt32() == 0),
            $"expected an error reply or a close, got {outcome} {reply?.ToJson()}");
        await AssertServesAndKeepsAsync(db, seeded);
        Assert.Equal(0, await db.Collection<BsonDocument>("items").CountDocumentsAsync(new BsonDocument("_id", "broken")));
    }

    [Fact]
    public async Task A_document_nested_1000_deep_is_refused_and_the_server_survives()
    {
        await using var db = NewDatabase();
        var seeded = await SeedAsync(db);
        using var hostile = await ConnectRawAsync();
        var command = new BsonDocument { { "insert", "items" }, { "$db", db.Name } }.ToBson();

        await hostile.SendAsync(hostile.OpMsgFrame(command, ("documents", DeeplyNested(depth: 1000, id: "deep"))));
        var (outcome, reply) = await hostile.ReadOutcomeAsync(ReplyTimeout);

        Output.WriteLine($"deep document: {outcome} {reply?.ToJson()}");
        Assert.NotEqual(RawOutcome.Silent, outcome);
        await AssertServesAndKeepsAsync(db, seeded);
        Assert.Equal(0, await db.Collection<BsonDocument>("items").CountDocumentsAsync(new BsonDocument("_id", "deep")));
    }

    private async Task<RawWireClient> ConnectRawAsync()
    {
        return await RawWireClient.ConnectAsync(Target.ConnectionString);
    }

    private static async Task<List<BsonDocument>> SeedAsync(TestDatabase db)
    {
        var documents = Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "v", $"value-{i}" } }).ToList();
        await db.Collection<BsonDocument>("items").InsertManyAsync(documents);
        return documents;
    }

    private async Task AssertServesAndKeepsAsync(TestDatabase db, List<BsonDocument> seeded)
    {
        using var fresh = Target.CreateClient(settings => settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10));
        var items = fresh.GetDatabase(db.Name).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", "written-after"));
        var stored = await items.Find(new BsonDocument("_id", new BsonDocument("$type", "int"))).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(seeded, stored);
        await items.DeleteOneAsync(new BsonDocument("_id", "written-after"));
    }

    private static byte[] WithHeader(int declaredLength, int opCode, byte[] body)
    {
        var frame = new byte[16 + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(0), declaredLength);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(12), opCode);
        body.CopyTo(frame.AsSpan(16));
        return frame;
    }

    /// <summary>{ _id: id, a: { a: { ... {} } } } encoded by hand: the driver itself refuses to serialize past 100 levels.</summary>
    private static byte[] DeeplyNested(int depth, string id)
    {
        // Innermost empty document: int32 length 5 + terminator.
        var inner = new byte[] { 5, 0, 0, 0, 0 };
        for (var level = 0; level < depth; level++)
        {
            var wrapped = new byte[4 + 1 + 2 + inner.Length + 1];
            BinaryPrimitives.WriteInt32LittleEndian(wrapped, wrapped.Length);
            wrapped[4] = 0x03; // embedded document
            wrapped[5] = (byte)'a';
            wrapped[6] = 0;
            inner.CopyTo(wrapped, 7);
            inner = wrapped;
        }

        var idElement = new BsonDocument("_id", id).ToBson();
        var idBytes = idElement.AsSpan(4, idElement.Length - 5); // the _id element without document length/terminator
        var document = new byte[4 + idBytes.Length + 1 + 2 + inner.Length + 1];
        BinaryPrimitives.WriteInt32LittleEndian(document, document.Length);
        idBytes.CopyTo(document.AsSpan(4));
        var at = 4 + idBytes.Length;
        document[at++] = 0x03;
        document[at++] = (byte)'a';
        document[at++] = 0;
        inner.CopyTo(document, at);
        return document;
    }
}
