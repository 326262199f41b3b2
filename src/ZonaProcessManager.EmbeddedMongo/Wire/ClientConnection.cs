using System.Buffers.Binary;
using System.Net.Sockets;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Commands;

namespace ZonaProcessManager.EmbeddedMongo.Wire;

/// <summary>
/// Serves one client socket: reads frames, dispatches commands, writes replies. A malformed frame closes this connection
/// only. An idle connection may wait forever for its next header, but a frame once started must finish within
/// FrameReadTimeout so that slowloris clients cannot pin server resources.
/// </summary>
public sealed class ClientConnection(ServerContext server, TcpClient client, long id)
{
    private int nextResponseId;

    public async Task RunAsync(CancellationToken stopping)
    {
        var remote = client.Client.RemoteEndPoint?.ToString() ?? "unknown";
        var info = new ConnectionInfo(id, remote);
        var stream = client.GetStream();
        var header = new byte[WireProtocol.HeaderSize];
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (!await ReadExactlyAsync(stream, header, 0, 1, null, stopping))
                {
                    return;
                }

                using var frameTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                frameTimeout.CancelAfter(server.Options.FrameReadTimeout);
                if (!await ReadExactlyAsync(stream, header, 1, header.Length - 1, frameTimeout, stopping))
                {
                    return;
                }

                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if (length < WireProtocol.HeaderSize + 5 || length > server.Options.MaxMessageSizeBytes)
                {
                    server.Log($"connection {id} from {remote}: message length {length} outside [21, {server.Options.MaxMessageSizeBytes}], closing");
                    return;
                }

                var frame = new byte[length];
                header.CopyTo(frame, 0);
                if (!await ReadExactlyAsync(stream, frame, header.Length, length - header.Length, frameTimeout, stopping))
                {
                    return;
                }

                WireRequest request;
                try
                {
                    request = WireProtocol.Parse(frame, server.Options.MaxMessageSizeBytes);
                }
                catch (MalformedMessageException exception)
                {
                    server.Log($"connection {id} from {remote}: {exception.Message}, closing");
                    return;
                }

                var database = request.LegacyNamespace is { } legacy ? legacy.Split('.')[0] : null;
                if (request.LegacyNamespace is not null && !request.LegacyNamespace.EndsWith(".$cmd", StringComparison.Ordinal))
                {
                    var error = CommandDispatcher.ErrorReply(new MongoError(5739101, "Location5739101", "OP_QUERY is no longer supported except for commands on $cmd"));
                    await WriteAsync(stream, WireProtocol.EncodeReply(NextId(), request.RequestId, error), stopping);
                    continue;
                }

                var reply = await CommandDispatcher.DispatchAsync(server, info, request.Command, database, stopping);
                if (request.MoreToCome)
                {
                    continue;
                }

                var bytes = request.OpCode == OpCodes.Query
                    ? WireProtocol.EncodeReply(NextId(), request.RequestId, reply)
                    : WireProtocol.EncodeMsg(NextId(), request.RequestId, reply);
                await WriteAsync(stream, bytes, stopping);
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        catch (Exception exception)
        {
            server.Log($"connection {id} from {remote} failed: {exception}");
        }
        finally
        {
            client.Dispose();
        }
    }

    private int NextId() => Interlocked.Increment(ref nextResponseId);

    private static async Task WriteAsync(NetworkStream stream, byte[] bytes, CancellationToken stopping)
    {
        await stream.WriteAsync(bytes, stopping);
        await stream.FlushAsync(stopping);
    }

    /// <summary>False on a clean end of stream or an expired frame deadline; the caller then closes the connection.</summary>
    private static async Task<bool> ReadExactlyAsync(NetworkStream stream, byte[] buffer, int offset, int count, CancellationTokenSource? frameTimeout, CancellationToken stopping)
    {
        var token = frameTimeout?.Token ?? stopping;
        try
        {
            while (count > 0)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(offset, count), token);
                if (read == 0)
                {
                    return false;
                }

                offset += read;
                count -= read;
            }

            return true;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
