using System.Buffers.Binary;
using System.Net.Sockets;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Commands;

namespace ZonaProcessManager.EmbeddedMongo.Wire;

/// <summary>
/// Serves one client socket: reads frames, dispatches commands, writes replies. A malformed frame closes this connection
/// only. Between frames the <see cref="ConnectionTracker"/> decides how long a connection may stay quiet; a frame once
/// started must finish within FrameReadTimeout so that slowloris clients cannot pin server resources.
/// </summary>
public sealed class ClientConnection(ServerContext server, TcpClient client, long id)
{
    /// <summary>Its entry in the server's connection limits, set before <see cref="RunAsync"/>; null serves it unlimited.</summary>
    public TrackedConnection? Tracked { get; set; }

    private int nextResponseId;

    // Most commands fit in one read of this size; a bigger frame gets a buffer of its own size for as long as it lasts.
    private const int DefaultBufferSize = 16 * 1024;

    private readonly CancellationTokenSource closing = new();

    /// <summary>Ends the connection from outside (the tracker's limits); a command under way is cancelled.</summary>
    public void Close()
    {
        try
        {
            closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }

    public async Task RunAsync(CancellationToken serverStopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(serverStopping, closing.Token);
        var stopping = linked.Token;
        var remote = client.Client.RemoteEndPoint?.ToString() ?? "unknown";
        var info = new ConnectionInfo(id, remote);
        var tracked = Tracked;
        if (tracked is not null)
        {
            info.State.Established = () =>
            {
                if (!tracked.Establish())
                {
                    server.Log($"connection limit {server.Options.MaxConnections} reached, closing connection {id} from {remote}");
                    Close();
                }
            };
        }

        var stream = client.GetStream();
        var input = new FrameBuffer(DefaultBufferSize);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                // Idle between frames may last forever; a read usually brings the whole next frame, so no deadline is armed for it.
                if (input.Count == 0 && !await input.FillAsync(stream, stopping))
                {
                    return;
                }

                CancellationTokenSource? frameTimeout = null;
                try
                {
                    if (!await EnsureAsync(stream, input, WireProtocol.HeaderSize, () => frameTimeout ??= StartFrameTimeout(stopping), stopping))
                    {
                        return;
                    }

                    var length = BinaryPrimitives.ReadInt32LittleEndian(input.Data);
                    if (length < WireProtocol.HeaderSize + 5 || length > server.Options.MaxMessageSizeBytes)
                    {
                        server.Log($"connection {id} from {remote}: message length {length} outside [21, {server.Options.MaxMessageSizeBytes}], closing");
                        return;
                    }

                    if (!await EnsureAsync(stream, input, length, () => frameTimeout ??= StartFrameTimeout(stopping), stopping))
                    {
                        return;
                    }

                    WireRequest request;
                    try
                    {
                        request = WireProtocol.Parse(input.Data[..length], server.Options.MaxMessageSizeBytes);
                    }
                    catch (MalformedMessageException exception)
                    {
                        server.Log($"connection {id} from {remote}: {exception.Message}, closing");
                        return;
                    }
                    finally
                    {
                        input.Consume(length, DefaultBufferSize);
                    }

                    var database = request.LegacyNamespace is { } legacy ? legacy.Split('.')[0] : null;
                    if (request.LegacyNamespace is not null && !request.LegacyNamespace.EndsWith(".$cmd", StringComparison.Ordinal))
                    {
                        var error = CommandDispatcher.ErrorReply(new MongoError(5739101, "Location5739101", "OP_QUERY is no longer supported except for commands on $cmd"));
                        await WriteAsync(stream, WireProtocol.EncodeReply(NextId(), request.RequestId, error), stopping);
                        continue;
                    }

                    BsonDocument reply;
                    tracked?.CommandStarted();
                    try
                    {
                        reply = await CommandDispatcher.DispatchAsync(server, info, request.Command, database, stopping, request.EncodedSequences);
                    }
                    finally
                    {
                        tracked?.CommandFinished();
                    }

                    if (request.MoreToCome)
                    {
                        continue;
                    }

                    var bytes = request.OpCode == OpCodes.Query
                        ? WireProtocol.EncodeReply(NextId(), request.RequestId, reply)
                        : WireProtocol.EncodeMsg(NextId(), request.RequestId, reply);
                    await WriteAsync(stream, bytes, stopping);
                }
                finally
                {
                    frameTimeout?.Dispose();
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        catch (CloseConnectionRequested)
        {
            // The failCommand fail point hangs up on the client, as a network failure would.
        }
        catch (Exception exception)
        {
            server.Log($"connection {id} from {remote} failed: {exception}");
        }
        finally
        {
            tracked?.Release();
            client.Dispose();
            closing.Dispose();
        }
    }

    private CancellationTokenSource StartFrameTimeout(CancellationToken stopping)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(server.Options.FrameReadTimeout);
        return timeout;
    }

    /// <summary>
    /// Reads until <paramref name="count"/> bytes of the started frame are buffered. The frame deadline is armed only when
    /// a read has to wait. False on a clean end of stream or an expired frame deadline; the caller then closes the connection.
    /// </summary>
    private static async ValueTask<bool> EnsureAsync(NetworkStream stream, FrameBuffer input, int count, Func<CancellationTokenSource> frameTimeout, CancellationToken stopping)
    {
        if (input.Count >= count)
        {
            return true;
        }

        input.Reserve(count);
        var deadline = frameTimeout();
        try
        {
            while (input.Count < count)
            {
                if (!await input.FillAsync(stream, deadline.Token))
                {
                    return false;
                }
            }

            return true;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return false;
        }
    }

    private int NextId() => Interlocked.Increment(ref nextResponseId);

    private static async Task WriteAsync(NetworkStream stream, byte[] bytes, CancellationToken stopping)
    {
        await stream.WriteAsync(bytes, stopping);
        await stream.FlushAsync(stopping);
    }
}
