using System.Buffers.Binary;
using System.Net.Sockets;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Robustness;

/// <summary>What the server did with a frame sent on a raw connection.</summary>
public enum RawOutcome
{
    Replied,
    Closed,
    Silent,
}

/// <summary>
/// A bare TCP connection speaking MongoDB's wire format by hand, so tests can send what no driver would:
/// garbage, lies in length prefixes, unknown opcodes, broken BSON.
/// </summary>
public sealed class RawWireClient : IDisposable
{
    public const int OpMsg = 2013;
    private const int HeaderLength = 16;
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private int _nextRequestId = 1;

    private RawWireClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawWireClient> ConnectAsync(string host, int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(host, port);
        return new RawWireClient(tcp);
    }

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public byte[] Frame(int opCode, ReadOnlySpan<byte> payload) => Frame(opCode, payload, HeaderLength + payload.Length);

    /// <summary>A frame whose declared length may lie about the payload that follows.</summary>
    public byte[] Frame(int opCode, ReadOnlySpan<byte> payload, int declaredLength)
    {
        var frame = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(0), declaredLength);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), _nextRequestId++);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(8), 0);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(12), opCode);
        payload.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>OP_MSG with flagBits 0, one kind-0 body, and optional pre-encoded kind-1 sections.</summary>
    public byte[] OpMsgFrame(byte[] body, params (string Identifier, byte[] Documents)[] sequences)
    {
        using var payload = new MemoryStream();
        payload.Write(new byte[4]);
        payload.WriteByte(0);
        payload.Write(body);
        foreach (var (identifier, documents) in sequences)
        {
            var name = System.Text.Encoding.UTF8.GetBytes(identifier);
            var size = 4 + name.Length + 1 + documents.Length;
            payload.WriteByte(1);
            var sizeBytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(sizeBytes, size);
            payload.Write(sizeBytes);
            payload.Write(name);
            payload.WriteByte(0);
            payload.Write(documents);
        }

        return Frame(OpMsg, payload.ToArray());
    }

    /// <summary>
    /// Logs in with SCRAM-SHA-256 (RFC 5802/7677) as a driver does, written out here so raw tests can reach a server
    /// that requires authentication. Throws when the server refuses or cannot prove it knows the password.
    /// </summary>
    public async Task AuthenticateAsync(string user, string password, string database, TimeSpan timeout)
    {
        var clientNonce = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var clientFirstBare = $"n={user.Replace("=", "=3D").Replace(",", "=2C")},r={clientNonce}";
        var start = await CommandAsync(new BsonDocument
        {
            { "saslStart", 1 }, { "mechanism", "SCRAM-SHA-256" },
            { "payload", new BsonBinaryData(System.Text.Encoding.UTF8.GetBytes("n,," + clientFirstBare)) },
            { "options", new BsonDocument("skipEmptyExchange", true) }, { "$db", database },
        }, timeout);
        if (start["ok"].ToDouble() != 1)
        {
            throw new InvalidOperationException("saslStart refused: " + start.ToJson());
        }

        var serverFirst = System.Text.Encoding.UTF8.GetString(start["payload"].AsBsonBinaryData.Bytes);
        var fields = serverFirst.Split(',').ToDictionary(part => part[0], part => part[2..]);
        var nonce = fields['r'];
        var salted = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(password),
            Convert.FromBase64String(fields['s']), int.Parse(fields['i'], System.Globalization.CultureInfo.InvariantCulture),
            System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
        var clientKey = System.Security.Cryptography.HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = System.Security.Cryptography.SHA256.HashData(clientKey);
        var withoutProof = $"c=biws,r={nonce}";
        var authMessage = System.Text.Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var signature = System.Security.Cryptography.HMACSHA256.HashData(storedKey, authMessage);
        var proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();
        var finish = await CommandAsync(new BsonDocument
        {
            { "saslContinue", 1 }, { "conversationId", start["conversationId"] },
            { "payload", new BsonBinaryData(System.Text.Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}")) },
            { "$db", database },
        }, timeout);
        if (finish["ok"].ToDouble() != 1)
        {
            throw new InvalidOperationException("saslContinue refused: " + finish.ToJson());
        }

        var serverKey = System.Security.Cryptography.HMACSHA256.HashData(salted, "Server Key"u8);
        var expected = "v=" + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(serverKey, authMessage));
        if (System.Text.Encoding.UTF8.GetString(finish["payload"].AsBsonBinaryData.Bytes) != expected)
        {
            throw new InvalidOperationException("the server's signature does not match: it does not know this password");
        }

        if (!finish["done"].ToBoolean())
        {
            await CommandAsync(new BsonDocument { { "saslContinue", 1 }, { "conversationId", start["conversationId"] }, { "payload", new BsonBinaryData([]) }, { "$db", database } }, timeout);
        }
    }

    /// <summary>A raw connection logged in with the credentials of <paramref name="connectionString"/>, if it has any.</summary>
    public static async Task<RawWireClient> ConnectAsync(string connectionString)
    {
        var url = new MongoDB.Driver.MongoUrl(connectionString);
        var client = await ConnectAsync(url.Server.Host, url.Server.Port);
        if (url.Username is not null)
        {
            await client.AuthenticateAsync(url.Username, url.Password, url.AuthenticationSource ?? "admin", TimeSpan.FromSeconds(10));
        }

        return client;
    }

    public async Task<BsonDocument> CommandAsync(BsonDocument command, TimeSpan timeout)
    {
        await SendAsync(OpMsgFrame(command.ToBson()));
        var (outcome, reply) = await ReadOutcomeAsync(timeout);
        return outcome == RawOutcome.Replied ? reply! : throw new InvalidOperationException($"expected a reply, got {outcome}");
    }

    /// <summary>Waits for one OP_MSG reply, the connection closing, or silence until the timeout.</summary>
    public async Task<(RawOutcome Outcome, BsonDocument? Reply)> ReadOutcomeAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var header = new byte[HeaderLength];
            if (!await ReadExactlyOrEofAsync(header, cts.Token))
            {
                return (RawOutcome.Closed, null);
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            var opCode = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
            if (length < HeaderLength || length > 64 * 1024 * 1024)
            {
                throw new InvalidDataException($"server sent a reply with impossible length {length}");
            }

            var rest = new byte[length - HeaderLength];
            if (!await ReadExactlyOrEofAsync(rest, cts.Token))
            {
                return (RawOutcome.Closed, null);
            }

            if (opCode != OpMsg)
            {
                throw new InvalidDataException($"server replied with opcode {opCode}, expected OP_MSG");
            }

            // flagBits (4 bytes), section kind 0 (1 byte), then the body document.
            return (RawOutcome.Replied, BsonSerializer.Deserialize<BsonDocument>(rest.AsSpan(5).ToArray()));
        }
        catch (OperationCanceledException)
        {
            return (RawOutcome.Silent, null);
        }
        catch (IOException)
        {
            return (RawOutcome.Closed, null);
        }
    }

    /// <summary>Stop sending; the server sees EOF on its read side.</summary>
    public void ShutdownSend() => _tcp.Client.Shutdown(SocketShutdown.Send);

    public void Dispose() => _tcp.Dispose();

    private async Task<bool> ReadExactlyOrEofAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
