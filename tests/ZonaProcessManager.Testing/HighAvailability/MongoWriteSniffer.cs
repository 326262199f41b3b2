using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>
/// Reads the MongoDB wire protocol of one connection (OP_MSG, uncompressed, which is what the driver speaks unless told
/// to compress) and reports every insert, update, delete and findAndModify with the count of documents the store's reply
/// says it changed.
/// </summary>
public sealed class MongoWriteSniffer(string instance, Action<StoreWrite> record) : ITrafficObserver
{
    private const int OpMsg = 2013;
    private const int HeaderLength = 16;
    private static readonly HashSet<string> WriteCommands = new(StringComparer.Ordinal) { "insert", "update", "delete", "findAndModify", "findandmodify" };

    private readonly MessageFramer _fromClient = new();
    private readonly MessageFramer _fromServer = new();
    private readonly Dictionary<int, (DateTimeOffset At, string Command, string Collection, string Target)> _awaitingReply = [];

    public void FromClient(ReadOnlySpan<byte> bytes)
    {
        foreach (var message in _fromClient.Add(bytes))
        {
            if (Body(message) is not { } body || body.ElementCount == 0)
            {
                continue;
            }

            var command = body.GetElement(0);
            if (WriteCommands.Contains(command.Name) && command.Value is BsonString collection)
            {
                var requestId = BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(4));
                lock (_awaitingReply)
                {
                    _awaitingReply[requestId] = (DateTimeOffset.UtcNow, command.Name, collection.Value, Target(command.Name, body, message));
                }
            }
        }
    }

    public void FromServer(ReadOnlySpan<byte> bytes)
    {
        foreach (var message in _fromServer.Add(bytes))
        {
            var responseTo = BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(8));
            (DateTimeOffset At, string Command, string Collection, string Target) request;
            lock (_awaitingReply)
            {
                if (!_awaitingReply.Remove(responseTo, out request))
                {
                    continue;
                }
            }

            record(new StoreWrite(instance, request.At, request.Command, request.Collection, Body(message) is { } reply ? Affected(request.Command, reply) : null, request.Target));
        }
    }

    /// <summary>What the write aims at: the filter of its first statement, or the first document's _id for an insert.</summary>
    private static string Target(string command, BsonDocument body, byte[] message)
    {
        BsonValue? target = command switch
        {
            "findAndModify" or "findandmodify" => body.GetValue("query", BsonNull.Value),
            "update" => FirstStatement(body, "updates", message)?.GetValue("q", BsonNull.Value),
            "delete" => FirstStatement(body, "deletes", message)?.GetValue("q", BsonNull.Value),
            _ => FirstStatement(body, "documents", message)?.GetValue("_id", BsonNull.Value),
        };
        var text = target?.ToJson() ?? "?";
        return text.Length > 160 ? text[..160] + "…" : text;
    }

    /// <summary>The first statement, from the body's array or from the kind-1 document sequence the driver sends instead.</summary>
    private static BsonDocument? FirstStatement(BsonDocument body, string field, byte[] message)
    {
        if (body.GetValue(field, BsonNull.Value) is BsonArray { Count: > 0 } statements)
        {
            return statements[0] as BsonDocument;
        }

        var offset = HeaderLength + 4;
        while (offset < message.Length)
        {
            var kind = message[offset++];
            var length = BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(offset));
            if (kind == 1)
            {
                // int32 size, cstring identifier, then the documents.
                var identifierEnd = Array.IndexOf(message, (byte)0, offset + 4);
                var firstDocument = identifierEnd + 1;
                if (identifierEnd > 0 && firstDocument < offset + length)
                {
                    var documentLength = BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(firstDocument));
                    return BsonSerializer.Deserialize<BsonDocument>(message.AsSpan(firstDocument, documentLength).ToArray());
                }
            }

            offset += length;
        }

        return null;
    }

    private static int Affected(string command, BsonDocument reply)
    {
        if (reply.GetValue("ok", 0).ToDouble() != 1)
        {
            return 0;
        }

        if (command == "update")
        {
            return reply.GetValue("nModified", 0).ToInt32() + (reply.GetValue("upserted", new BsonArray()) as BsonArray ?? []).Count;
        }

        if (command is "findAndModify" or "findandmodify")
        {
            return reply.GetValue("lastErrorObject", new BsonDocument()) is BsonDocument lastError ? lastError.GetValue("n", 0).ToInt32() : 0;
        }

        return reply.GetValue("n", 0).ToInt32();
    }

    /// <summary>The kind-0 section of an OP_MSG: the command or the reply.</summary>
    private static BsonDocument? Body(byte[] message)
    {
        if (BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(12)) != OpMsg)
        {
            return null;
        }

        var offset = HeaderLength + 4;
        while (offset < message.Length)
        {
            var kind = message[offset++];
            var length = BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(offset));
            if (kind == 0)
            {
                return BsonSerializer.Deserialize<BsonDocument>(message.AsSpan(offset, length).ToArray());
            }

            offset += length;
        }

        return null;
    }

    /// <summary>Cuts a byte stream into whole wire messages (each starts with its int32 length).</summary>
    private sealed class MessageFramer
    {
        private byte[] _pending = [];

        public List<byte[]> Add(ReadOnlySpan<byte> bytes)
        {
            var buffer = new byte[_pending.Length + bytes.Length];
            _pending.CopyTo(buffer, 0);
            bytes.CopyTo(buffer.AsSpan(_pending.Length));
            var messages = new List<byte[]>();
            var offset = 0;
            while (buffer.Length - offset >= HeaderLength)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset));
                if (buffer.Length - offset < length)
                {
                    break;
                }

                messages.Add(buffer.AsSpan(offset, length).ToArray());
                offset += length;
            }

            _pending = buffer[offset..];
            return messages;
        }
    }
}
