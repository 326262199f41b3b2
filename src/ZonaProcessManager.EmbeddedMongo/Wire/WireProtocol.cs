using System.Buffers.Binary;
using System.Text;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace ZonaProcessManager.EmbeddedMongo.Wire;

/// <summary>Decodes request frames and encodes replies. Only the framing is ours; all BSON goes through MongoDB.Bson.</summary>
public static class WireProtocol
{
    public const int HeaderSize = 16;
    private const uint ChecksumPresent = 1;
    private const uint MoreToComeFlag = 2;
    private const uint ExhaustAllowedFlag = 1 << 16;

    /// <param name="frame">A whole message including its 16-byte header.</param>
    public static WireRequest Parse(ReadOnlySpan<byte> frame, int maxDocumentSize)
    {
        if (frame.Length < HeaderSize)
        {
            throw new MalformedMessageException("frame shorter than header");
        }

        var requestId = BinaryPrimitives.ReadInt32LittleEndian(frame[4..]);
        var opCode = BinaryPrimitives.ReadInt32LittleEndian(frame[12..]);
        return opCode switch
        {
            OpCodes.Msg => ParseMsg(frame, requestId, maxDocumentSize),
            OpCodes.Query => ParseQuery(frame, requestId, maxDocumentSize),
            _ => throw new MalformedMessageException($"unsupported opcode {opCode}"),
        };
    }

    private static WireRequest ParseMsg(ReadOnlySpan<byte> frame, int requestId, int maxDocumentSize)
    {
        if (frame.Length < HeaderSize + 5)
        {
            throw new MalformedMessageException("OP_MSG too short");
        }

        var flags = BinaryPrimitives.ReadUInt32LittleEndian(frame[HeaderSize..]);
        var knownFlags = ChecksumPresent | MoreToComeFlag | ExhaustAllowedFlag;
        if ((flags & 0xFFFF & ~knownFlags) != 0)
        {
            throw new MalformedMessageException($"OP_MSG has unknown required flag bits 0x{flags:x}");
        }

        var end = frame.Length - ((flags & ChecksumPresent) != 0 ? 4 : 0);
        var position = HeaderSize + 4;
        BsonDocument? body = null;
        var sequences = new List<(string Name, BsonArray Documents)>();
        Dictionary<string, IReadOnlyList<byte[]>>? encodedSequences = null;
        while (position < end)
        {
            var kind = frame[position++];
            if (kind == 0)
            {
                if (body is not null)
                {
                    throw new MalformedMessageException("OP_MSG has more than one body section");
                }

                body = ReadDocument(frame[..end], ref position, maxDocumentSize, out _);
            }
            else if (kind == 1)
            {
                if (position + 4 > end)
                {
                    throw new MalformedMessageException("document sequence truncated");
                }

                var sectionSize = BinaryPrimitives.ReadInt32LittleEndian(frame[position..]);
                var sectionEnd = position + sectionSize;
                if (sectionSize < 5 || sectionEnd > end)
                {
                    throw new MalformedMessageException("invalid document sequence size");
                }

                position += 4;
                var nameLength = frame[position..sectionEnd].IndexOf((byte)0);
                if (nameLength < 0)
                {
                    throw new MalformedMessageException("unterminated document sequence identifier");
                }

                var name = Encoding.UTF8.GetString(frame.Slice(position, nameLength));
                position += nameLength + 1;
                var documents = new BsonArray();
                var encoded = new List<byte[]>();
                while (position < sectionEnd)
                {
                    documents.Add(ReadDocument(frame[..sectionEnd], ref position, maxDocumentSize, out var bytes));
                    encoded.Add(bytes);
                }

                sequences.Add((name, documents));
                (encodedSequences ??= [])[name] = encoded;
            }
            else
            {
                throw new MalformedMessageException($"unknown OP_MSG section kind {kind}");
            }
        }

        if (body is null)
        {
            throw new MalformedMessageException("OP_MSG without body section");
        }

        foreach (var (name, documents) in sequences)
        {
            if (body.Contains(name))
            {
                throw new MalformedMessageException($"OP_MSG field '{name}' appears in body and as a document sequence");
            }

            body[name] = documents;
        }

        return new WireRequest(requestId, OpCodes.Msg, body, null, (flags & MoreToComeFlag) != 0, (flags & ExhaustAllowedFlag) != 0, encodedSequences);
    }

    private static WireRequest ParseQuery(ReadOnlySpan<byte> frame, int requestId, int maxDocumentSize)
    {
        var position = HeaderSize + 4;
        var nameLength = position < frame.Length ? frame[position..].IndexOf((byte)0) : -1;
        if (nameLength < 0)
        {
            throw new MalformedMessageException("OP_QUERY namespace unterminated");
        }

        var fullName = Encoding.UTF8.GetString(frame.Slice(position, nameLength));
        position += nameLength + 1 + 8;
        var query = ReadDocument(frame, ref position, maxDocumentSize, out _);
        // Legacy clients may wrap the command as {$query: {...}, $readPreference: ...}.
        if (query.TryGetValue("$query", out var inner) && inner is BsonDocument wrapped)
        {
            query = wrapped;
        }

        return new WireRequest(requestId, OpCodes.Query, query, fullName, false, false);
    }

    private static BsonDocument ReadDocument(ReadOnlySpan<byte> frame, ref int position, int maxDocumentSize, out byte[] bytes)
    {
        if (position + 4 > frame.Length)
        {
            throw new MalformedMessageException("document truncated");
        }

        var size = BinaryPrimitives.ReadInt32LittleEndian(frame[position..]);
        if (size < 5 || position + size > frame.Length)
        {
            throw new MalformedMessageException("invalid document size");
        }

        if (size > maxDocumentSize)
        {
            throw new MalformedMessageException($"document of {size} bytes exceeds the limit of {maxDocumentSize}");
        }

        var problem = BsonDepthGuard.Check(frame, position);
        if (problem is not null)
        {
            throw new MalformedMessageException("invalid BSON: " + problem);
        }

        bytes = frame.Slice(position, size).ToArray();
        position += size;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var reader = new BsonBinaryReader(stream, new BsonBinaryReaderSettings { MaxDocumentSize = maxDocumentSize });
            return BsonSerializer.Deserialize<BsonDocument>(reader);
        }
        catch (Exception exception) when (exception is FormatException or EndOfStreamException or ArgumentException or InvalidOperationException)
        {
            throw new MalformedMessageException("invalid BSON: " + exception.Message);
        }
    }

    public static byte[] EncodeMsg(int requestId, int responseTo, BsonDocument body, bool moreToCome = false)
    {
        var bodyBytes = body.ToBson();
        var length = HeaderSize + 4 + 1 + bodyBytes.Length;
        var frame = new byte[length];
        WriteHeader(frame, length, requestId, responseTo, OpCodes.Msg);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(HeaderSize), moreToCome ? MoreToComeFlag : 0);
        frame[HeaderSize + 4] = 0;
        bodyBytes.CopyTo(frame, HeaderSize + 5);
        return frame;
    }

    public static byte[] EncodeReply(int requestId, int responseTo, BsonDocument document)
    {
        var bodyBytes = document.ToBson();
        var length = HeaderSize + 20 + bodyBytes.Length;
        var frame = new byte[length];
        WriteHeader(frame, length, requestId, responseTo, OpCodes.Reply);
        var span = frame.AsSpan(HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(span, 8); // AwaitCapable, as servers always set it
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 1);
        bodyBytes.CopyTo(frame, HeaderSize + 20);
        return frame;
    }

    private static void WriteHeader(Span<byte> frame, int length, int requestId, int responseTo, int opCode)
    {
        BinaryPrimitives.WriteInt32LittleEndian(frame, length);
        BinaryPrimitives.WriteInt32LittleEndian(frame[4..], requestId);
        BinaryPrimitives.WriteInt32LittleEndian(frame[8..], responseTo);
        BinaryPrimitives.WriteInt32LittleEndian(frame[12..], opCode);
    }
}

/// <summary>One decoded request: the command body (OP_MSG sequences already merged in as arrays) and how to answer.</summary>
/// <param name="EncodedSequences">
/// The client's own bytes of each OP_MSG document sequence's documents, by field name, in order; an insert stores them as
/// they came instead of serializing the parsed documents again (they parsed, so they are valid BSON).
/// </param>
public sealed record WireRequest(int RequestId, int OpCode, BsonDocument Command, string? LegacyNamespace, bool MoreToCome, bool ExhaustAllowed,
    IReadOnlyDictionary<string, IReadOnlyList<byte[]>>? EncodedSequences = null);

/// <summary>A frame that cannot be understood; the connection that sent it is closed, nothing else is affected.</summary>
public sealed class MalformedMessageException(string message) : Exception(message);
