using System.Net;
using System.Net.Sockets;

namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>
/// Forwards every connection made to its listening endpoint to an upstream endpoint, byte for byte, showing the bytes to
/// an observer per connection. One operator process talks to Docker and to the store only through its own relays, so
/// everything it asks of either is attributed to it, without trusting what it logs about itself.
/// </summary>
public sealed class SocketRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly EndPoint _upstream;
    private readonly Func<ITrafficObserver> _newObserver;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;

    private SocketRelay(Socket listener, EndPoint upstream, Func<ITrafficObserver> newObserver)
    {
        _listener = listener;
        _upstream = upstream;
        _newObserver = newObserver;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>A loopback TCP relay on a free port.</summary>
    public static SocketRelay ListenTcp(EndPoint upstream, Func<ITrafficObserver> newObserver)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        return new SocketRelay(listener, upstream, newObserver);
    }

    /// <summary>A Unix-socket relay at <paramref name="path"/> (what DOCKER_HOST=unix://… names).</summary>
    public static SocketRelay ListenUnix(string path, EndPoint upstream, Func<ITrafficObserver> newObserver)
    {
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(64);
        return new SocketRelay(listener, upstream, newObserver);
    }

    /// <summary>The loopback port of a TCP relay.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var upstream = new Socket(_upstream.AddressFamily, SocketType.Stream,
            _upstream.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        lock (_open)
        {
            _open.Add(client);
            _open.Add(upstream);
        }

        try
        {
            // A refused upstream (a store being restarted) closes the client's connection, as the server itself would be gone.
            await upstream.ConnectAsync(_upstream, _stop.Token).ConfigureAwait(false);
            var observer = _newObserver();
            await Task.WhenAll(
                PumpAsync(client, upstream, observer.FromClient),
                PumpAsync(upstream, client, observer.FromServer)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The relay stopped or the upstream refused: the connection ends below.
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }

            client.Dispose();
            upstream.Dispose();
        }
    }

    private delegate void Observe(ReadOnlySpan<byte> bytes);

    private async Task PumpAsync(Socket from, Socket to, Observe observe)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                // Observed before it is forwarded, so a request is timestamped no later than the server could act on it.
                observe(buffer.AsSpan(0, read));
                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // A reset or a stopped relay ends both sides at once, as the reset would reach the client without a relay:
            // a client left waiting on a connection its server dropped would wait forever.
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        lock (_open)
        {
            foreach (var socket in _open)
            {
                socket.Dispose();
            }

            _open.Clear();
        }

        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }
}
