using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace ZonaProcessManager.Docker.Tests.Swarm;

/// <summary>
/// A Unix-socket proxy in front of a dockerd that records each HTTP request line passing through it, so a test can
/// count the Engine API calls an operation makes, as the engine sees them.
/// </summary>
internal sealed partial class CountingDockerProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _upstreamPath;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accepting;

    private CountingDockerProxy(string upstreamPath)
    {
        _upstreamPath = upstreamPath;
        _path = Path.Combine(Path.GetTempPath(), $"zpm-proxy-{Guid.NewGuid():N}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(16);
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect instead of the engine.</summary>
    public Uri Endpoint => new($"unix://{_path}");

    /// <summary>"METHOD /path?query" of every request so far, in arrival order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public static CountingDockerProxy For(Uri engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (engine.Scheme != "unix")
        {
            throw new ArgumentException($"Only unix:// engines can be proxied, not {engine}.", nameof(engine));
        }

        return new CountingDockerProxy(engine.AbsolutePath);
    }

    public void Clear() => _requests.Clear();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _accepting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(_connections.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));
        File.Delete(_path);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptAsync(_stop.Token);
            _connections.Add(RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var clientSocket = client;
        using var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await upstream.ConnectAsync(new UnixDomainSocketEndPoint(_upstreamPath), _stop.Token);
        await using var fromClient = new NetworkStream(clientSocket, ownsSocket: false);
        await using var toEngine = new NetworkStream(upstream, ownsSocket: false);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var requests = CopyRecordingAsync(fromClient, toEngine, ended.Token);
        var responses = fromClient.CanWrite ? toEngine.CopyToAsync(fromClient, ended.Token) : Task.CompletedTask;
        try
        {
            await Task.WhenAny(requests, responses);
        }
        finally
        {
            await ended.CancelAsync();
            try
            {
                await Task.WhenAll(requests, responses);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // One side closed: the connection is over.
            }
        }
    }

    private async Task CopyRecordingAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var pending = new StringBuilder();
        while (true)
        {
            var read = await source.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            pending.Append(Encoding.Latin1.GetString(buffer, 0, read));
            var text = pending.ToString();
            var lastBreak = text.LastIndexOf('\n');
            if (lastBreak >= 0)
            {
                foreach (Match match in RequestLine().Matches(text[..(lastBreak + 1)]))
                {
                    _requests.Enqueue($"{match.Groups[1].Value} {match.Groups[2].Value}");
                }

                pending.Clear().Append(text[(lastBreak + 1)..]);
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    [GeneratedRegex(@"^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/1\.[01]\r?$", RegexOptions.Multiline)]
    private static partial Regex RequestLine();
}
