using System.Net;
using System.Net.Sockets;
using System.Text;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Probing;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>
/// The operator's own HTTP and TCP probes against a server on 127.0.0.1 that answers what each test scripts: the
/// verdict and its words for every kind of answer, the request that goes out, and a server that never answers.
/// </summary>
public sealed class SocketReplicaProbeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly SocketReplicaProbe _probe = new();

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true, null)]
    [InlineData("HTTP/1.0 204 No Content\r\n\r\n", true, null)]
    [InlineData("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n\r\n", true, null)]
    [InlineData("HTTP/1.1 399\r\n\r\n", true, null)]
    [InlineData("HTTP/1.1 404 Not Found\r\n\r\n", false, "HTTP status 404")]
    [InlineData("HTTP/1.1 500 Internal Server Error\r\n\r\n", false, "HTTP status 500")]
    [InlineData("HTTP/1.1 199 Odd\r\n\r\n", false, "HTTP status 199")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n", false, "the response is not HTTP")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", false, "the response is not HTTP")]
    [InlineData("HTTP/1.1 20", false, "the response is not HTTP")]
    [InlineData("", false, "the connection closed before a response")]
    public async Task An_HTTP_probe_succeeds_on_200_to_399_and_names_every_other_answer(string answer, bool succeeds, string? failure)
    {
        await using var server = ScriptedServer.Start(Encoding.ASCII.GetBytes(answer));

        var result = await _probe.ProbeAsync("127.0.0.1", HttpCheck(server.Port, "/healthz"), new CancellationTokenSource(Deadline).Token);

        Assert.Equal(succeeds, result.Succeeded);
        Assert.Equal(failure, result.Failure);
    }

    [Fact]
    public async Task The_request_is_one_GET_of_the_escaped_path_with_the_host_and_connection_close()
    {
        await using var server = ScriptedServer.Start("HTTP/1.1 200 OK\r\n\r\n"u8.ToArray());

        var result = await _probe.ProbeAsync("127.0.0.1", HttpCheck(server.Port, "/ready now?full=1"), new CancellationTokenSource(Deadline).Token);

        Assert.True(result.Succeeded, result.Failure);
        var lines = (await server.RequestAsync()).Split("\r\n");
        Assert.Equal("GET /ready%20now?full=1 HTTP/1.1", lines[0]);
        Assert.Contains($"Host: 127.0.0.1:{server.Port}", lines);
        Assert.Contains("Connection: close", lines);
        Assert.Equal(["", ""], lines[^2..]);
    }

    [Fact]
    public async Task A_status_line_that_arrives_in_pieces_is_read_whole()
    {
        await using var server = ScriptedServer.Start("HTTP/1.1 503 Unavailable\r\n\r\n"u8.ToArray(), chunk: 3);

        var result = await _probe.ProbeAsync("127.0.0.1", HttpCheck(server.Port, "/"), new CancellationTokenSource(Deadline).Token);

        Assert.Equal("HTTP status 503", result.Failure);
    }

    [Fact]
    public async Task Nothing_listening_is_connection_refused_for_HTTP_and_TCP_and_a_listener_passes_TCP()
    {
        var closedPort = FreeTcpPort.Pick();

        var http = await _probe.ProbeAsync("127.0.0.1", HttpCheck(closedPort, "/"), new CancellationTokenSource(Deadline).Token);
        var tcp = await _probe.ProbeAsync("127.0.0.1", TcpCheck(closedPort), new CancellationTokenSource(Deadline).Token);
        await using var server = ScriptedServer.Start([]);
        var open = await _probe.ProbeAsync("127.0.0.1", TcpCheck(server.Port), new CancellationTokenSource(Deadline).Token);

        Assert.Equal("connection refused", http.Failure);
        Assert.Equal("connection refused", tcp.Failure);
        Assert.True(open.Succeeded, open.Failure);
    }

    [Fact]
    public async Task A_server_that_accepts_and_never_answers_is_left_to_the_callers_timeout()
    {
        await using var server = ScriptedServer.Start(answer: null);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _probe.ProbeAsync("127.0.0.1", HttpCheck(server.Port, "/"), new CancellationTokenSource(TimeSpan.FromMilliseconds(300)).Token));
    }

    [Fact]
    public async Task An_address_that_is_not_an_IP_address_fails_without_a_connection()
    {
        var result = await _probe.ProbeAsync("web.internal", HttpCheck(80, "/"), CancellationToken.None);

        Assert.Equal("'web.internal' is not an IP address", result.Failure);
    }

    private static OperatorProbe HttpCheck(int port, string path) => new()
    {
        Http = new HttpProbe(port, path),
        Interval = TimeSpan.FromSeconds(5),
        Timeout = TimeSpan.FromSeconds(2),
        Retries = 3,
    };

    private static OperatorProbe TcpCheck(int port) => new()
    {
        Tcp = new TcpProbe(port),
        Interval = TimeSpan.FromSeconds(5),
        Timeout = TimeSpan.FromSeconds(2),
        Retries = 3,
    };

    /// <summary>
    /// Accepts one connection on 127.0.0.1, reads the request up to its blank line, writes <c>answer</c> (in pieces of
    /// <c>chunk</c> bytes, each flushed apart) and closes; a null answer keeps the connection open, silent, until disposal.
    /// </summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource<string> _request = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _serving = Task.CompletedTask;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static ScriptedServer Start(byte[]? answer, int chunk = int.MaxValue)
        {
            var server = new ScriptedServer();
            server._listener.Start();
            server._serving = server.ServeAsync(answer, chunk);
            return server;
        }

        public Task<string> RequestAsync() => _request.Task.WaitAsync(Deadline);

        private async Task ServeAsync(byte[]? answer, int chunk)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                client.NoDelay = true;
                var stream = client.GetStream();
                var request = new StringBuilder();
                var buffer = new byte[1024];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                _request.TrySetResult(request.ToString());
                if (answer is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                for (var offset = 0; offset < answer.Length; offset += chunk)
                {
                    await stream.WriteAsync(answer.AsMemory(offset, Math.Min(chunk, answer.Length - offset)), _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                    if (chunk < answer.Length)
                    {
                        await Task.Delay(20, _stop.Token);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException)
            {
                // The probe closed first: it had what it needed.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _serving;
            _listener.Stop();
            _listener.Dispose();
            _stop.Dispose();
        }
    }
}
