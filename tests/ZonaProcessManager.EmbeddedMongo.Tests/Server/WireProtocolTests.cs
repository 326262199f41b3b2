using System.Buffers.Binary;
using CsCheck;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Wire;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

public sealed class WireProtocolTests
{
    private const int Limit = 48_000_000;

    [Fact]
    public void Document_sequences_are_merged_into_the_body_as_arrays()
    {
        var body = new BsonDocument { { "insert", "people" }, { "$db", "app" } };
        var frame = OpMsg(0, body, ("documents", [new BsonDocument("_id", 1), new BsonDocument("_id", 2)]));

        var request = WireProtocol.Parse(frame, Limit);

        Assert.Equal(OpCodes.Msg, request.OpCode);
        Assert.Equal(new BsonArray { new BsonDocument("_id", 1), new BsonDocument("_id", 2) }, request.Command["documents"]);
        Assert.False(request.MoreToCome);
    }

    [Fact]
    public void A_checksum_is_tolerated_and_moreToCome_is_reported()
    {
        var frame = OpMsg(1 | 2, new BsonDocument { { "ping", 1 }, { "$db", "admin" } }, withChecksum: true);

        var request = WireProtocol.Parse(frame, Limit);

        Assert.True(request.MoreToCome);
        Assert.Equal(1, request.Command["ping"].AsInt32);
    }

    [Fact]
    public void A_legacy_query_handshake_is_unwrapped_from_dollar_query()
    {
        var query = new BsonDocument("$query", new BsonDocument { { "isMaster", 1 }, { "helloOk", true } });
        var name = System.Text.Encoding.UTF8.GetBytes("admin.$cmd");
        var payload = new List<byte>();
        payload.AddRange(new byte[4]);
        payload.AddRange(name);
        payload.Add(0);
        payload.AddRange(new byte[8]);
        payload.AddRange(query.ToBson());
        var frame = Frame(OpCodes.Query, [.. payload]);

        var request = WireProtocol.Parse(frame, Limit);

        Assert.Equal("admin.$cmd", request.LegacyNamespace);
        Assert.Equal("isMaster", request.Command.GetElement(0).Name);
    }

    [Fact]
    public void An_unknown_opcode_is_rejected_as_malformed()
    {
        var frame = Frame(2010, new byte[8]);

        Assert.Throws<MalformedMessageException>(() => WireProtocol.Parse(frame, Limit));
    }

    [Fact]
    public void A_field_sent_both_in_the_body_and_as_a_sequence_is_rejected()
    {
        var frame = OpMsg(0, new BsonDocument { { "insert", "c" }, { "documents", new BsonArray() } }, ("documents", [new BsonDocument("_id", 1)]));

        Assert.Throws<MalformedMessageException>(() => WireProtocol.Parse(frame, Limit));
    }

    [Fact]
    public void Absurd_nesting_is_refused_before_the_recursive_deserializer_sees_it()
    {
        // Built by hand: MongoDB.Bson itself refuses to serialize this deep, but a hostile client is not so polite.
        var bytes = new BsonDocument("leaf", 1).ToBson();
        for (var i = 0; i < 2_000; i++)
        {
            var wrapped = new byte[bytes.Length + 8];
            BinaryPrimitives.WriteInt32LittleEndian(wrapped, wrapped.Length);
            wrapped[4] = 0x03;
            wrapped[5] = (byte)'n';
            bytes.CopyTo(wrapped, 7);
            bytes = wrapped;
        }

        Assert.NotNull(BsonDepthGuard.Check(bytes, 0));
        Assert.Throws<MalformedMessageException>(() => WireProtocol.Parse(OpMsgRaw(0, bytes), Limit));
    }

    [Fact]
    public void Well_formed_documents_always_pass_the_depth_guard_and_parse_back_equal()
    {
        Gen.Int[0, 5].SelectMany(depth => Gen.String.Array[0, 4].Select(values => (depth, values)))
            .Sample(sample =>
            {
                var document = new BsonDocument("values", new BsonArray(sample.values));
                for (var i = 0; i < sample.depth; i++)
                {
                    document = new BsonDocument { { "d", document }, { "n", i }, { "when", new BsonDateTime(1_700_000_000_000L + i) } };
                }

                var bytes = document.ToBson();
                Assert.Null(BsonDepthGuard.Check(bytes, 0));
                Assert.Equal(document, WireProtocol.Parse(OpMsgRaw(0, bytes), Limit).Command);
            });
    }

    [Fact]
    public void Random_bytes_after_a_valid_header_only_ever_fail_as_malformed_messages()
    {
        Gen.Byte.Array[0, 200].Select(Gen.Int[0, 3]).Sample((payload, kind) =>
        {
            var opCode = kind switch { 0 => OpCodes.Msg, 1 => OpCodes.Query, 2 => OpCodes.Compressed, _ => 7 };
            var frame = Frame(opCode, payload);
            try
            {
                WireProtocol.Parse(frame, Limit);
            }
            catch (MalformedMessageException)
            {
                // The only acceptable failure: the connection is then closed, nothing else happens.
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Random_corruption_of_a_valid_frame_only_ever_fails_as_a_malformed_message()
    {
        var valid = OpMsg(0, new BsonDocument { { "find", "c" }, { "filter", new BsonDocument("a", new BsonDocument("$gt", 1)) }, { "$db", "d" } },
            ("documents", [new BsonDocument("x", "y")]));
        Gen.Int[WireProtocol.HeaderSize, valid.Length - 1].Select(Gen.Byte).Array[1, 6].Sample(changes =>
        {
            var frame = (byte[])valid.Clone();
            foreach (var (position, value) in changes)
            {
                frame[position] = value;
            }

            try
            {
                WireProtocol.Parse(frame, Limit);
            }
            catch (MalformedMessageException)
            {
                // Expected for most corruptions.
            }
        }, iter: 20_000);
    }

    private static byte[] OpMsg(uint flags, BsonDocument body, params (string Name, BsonDocument[] Documents)[] sequences) =>
        OpMsg(flags, body, false, sequences);

    private static byte[] OpMsg(uint flags, BsonDocument body, bool withChecksum, params (string Name, BsonDocument[] Documents)[] sequences)
    {
        var payload = new List<byte>();
        var flagBytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(flagBytes, flags);
        payload.AddRange(flagBytes);
        payload.Add(0);
        payload.AddRange(body.ToBson());
        foreach (var (name, documents) in sequences)
        {
            var nameBytes = System.Text.Encoding.UTF8.GetBytes(name);
            var docs = documents.SelectMany(d => d.ToBson()).ToArray();
            var size = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(size, 4 + nameBytes.Length + 1 + docs.Length);
            payload.Add(1);
            payload.AddRange(size);
            payload.AddRange(nameBytes);
            payload.Add(0);
            payload.AddRange(docs);
        }

        if (withChecksum)
        {
            payload.AddRange(new byte[4]);
        }

        return Frame(OpCodes.Msg, [.. payload]);
    }

    private static byte[] OpMsgRaw(uint flags, byte[] body)
    {
        var payload = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, flags);
        body.CopyTo(payload, 5);
        return Frame(OpCodes.Msg, payload);
    }

    private static byte[] Frame(int opCode, byte[] payload)
    {
        var frame = new byte[WireProtocol.HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), 7);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(12), opCode);
        payload.CopyTo(frame, WireProtocol.HeaderSize);
        return frame;
    }
}
