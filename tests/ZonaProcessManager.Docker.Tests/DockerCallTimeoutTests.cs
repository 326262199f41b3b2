using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using static ZonaProcessManager.Docker.Tests.DockerTestSpecs;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>
/// Every Docker call has a deadline: an engine that accepts a request and never answers (a hung runc) costs a reconcile
/// one timeout, not its worker, and the runtime works again once the engine does.
/// </summary>
public sealed partial class DockerCallTimeoutTests(DockerTestEnvironment environment) : IClassFixture<DockerTestEnvironment>
{
    private static readonly DockerRuntimeOptions ShortDeadlines = new()
    {
        CallTimeout = TimeSpan.FromSeconds(1),
        StopGracePeriod = TimeSpan.Zero,
    };

    // Far above the deadlines: only there so a missing deadline fails the test instead of hanging it.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_call_to_an_engine_that_never_answers_fails_within_its_deadline_naming_the_operation_then_works_again()
    {
        await using var engine = new StallingDockerProxy(environment.RunId, _ => Stall.NotForwarded);
        using var runtime = DockerContainerRuntime.Create(ShortDeadlines, endpoint: engine.Endpoint);
        var owner = NewOwner(environment);
        var desired = Replica(environment, owner, HttpService());
        var volume = new VolumeSpec { Name = environment.NewName("vol"), Target = "/data" };

        (string Operation, Func<Task> Call)[] calls =
        [
            ("list containers", () => runtime.ListAsync(owner, CancellationToken.None)),
            ("inspect container", () => runtime.InspectAsync(["0123456789ab"], CancellationToken.None)),
            ("create container", () => runtime.CreateAndStartAsync(desired, CancellationToken.None)),
            ("remove container", () => runtime.RemoveAsync("0123456789ab", CancellationToken.None)),
            ("restart container", () => runtime.RestartAsync("0123456789ab", CancellationToken.None)),
            ("list networks", () => runtime.EnsureNetworkAsync(environment.NewName("net"), environment.RunLabels, CancellationToken.None)),
            ("list networks", () => runtime.RemoveNetworkAsync(environment.NewName("net"), CancellationToken.None)),
            ("inspect volume", () => runtime.EnsureVolumeAsync(volume, environment.RunLabels, CancellationToken.None)),
        ];
        foreach (var (operation, call) in calls)
        {
            var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => call().WaitAsync(Hang));

            Assert.Equal(ContainerRuntimeErrorKind.Unavailable, error.Kind);
            Assert.Equal(operation, error.Operation);
            Assert.StartsWith($"{operation} ", error.Message, StringComparison.Ordinal);
            Assert.Contains("did not answer within 1 s", error.EngineMessage, StringComparison.Ordinal);
        }

        engine.Stalling = _ => Stall.No;
        var id = await environment.Runtime.CreateAndStartAsync(desired, CancellationToken.None);
        try
        {
            var running = Assert.Single(await runtime.ListAsync(owner, CancellationToken.None).WaitAsync(Hang));
            Assert.Equal((id, ContainerState.Running), (running.Id, running.State));
        }
        finally
        {
            await environment.Runtime.RemoveAsync(id, CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("create")]
    [InlineData("start")]
    public async Task A_create_or_start_docker_carries_out_but_never_answers_leaves_no_container_behind(string call)
    {
        await using var engine = new StallingDockerProxy(environment.RunId,
            requestLine => requestLine.StartsWith("POST ", StringComparison.Ordinal) && requestLine.Contains($"/{call}", StringComparison.Ordinal)
                ? Stall.AnswerWithheld
                : Stall.No);
        // The removal that undoes the call gets the same deadline, and a busy engine may take longer than 1 s to
        // finish the create or start it is undoing first.
        using var runtime = DockerContainerRuntime.Create(ShortDeadlines with { CallTimeout = TimeSpan.FromSeconds(3) }, endpoint: engine.Endpoint);
        var desired = Replica(environment, NewOwner(environment), HttpService());

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => runtime.CreateAndStartAsync(desired, CancellationToken.None).WaitAsync(Hang));

        Assert.Equal(ContainerRuntimeErrorKind.Unavailable, error.Kind);
        Assert.Equal($"{call} container", error.Operation);
        Assert.True(engine.Withheld > 0, "the proxy never saw the request it was to withhold the answer of");
        var left = await environment.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [desired.ContainerName] = true } },
        });
        Assert.True(left.Count == 0, error.ToString());
    }

    private enum Stall
    {
        No,

        /// <summary>The engine never sees the request, and the client never hears back.</summary>
        NotForwarded,

        /// <summary>The engine carries the request out, but its answer never reaches the client.</summary>
        AnswerWithheld,
    }

    /// <summary>
    /// A Unix socket in front of the real engine that can stall chosen requests, by their HTTP request line. Requests
    /// are told apart by the chunk they start in: a client writes a request's head in one go and waits for the answer
    /// before sending the next one on that connection.
    /// </summary>
    private sealed partial class StallingDockerProxy : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentBag<Socket> _sockets = [];
        private readonly string _path;
        private readonly Task _accepting;
        private int _withheld;

        public StallingDockerProxy(string runId, Func<string, Stall> stalling)
        {
            Stalling = stalling;
            _path = Path.Combine(Path.GetTempPath(), $"zpm-stalling-docker-{runId}-{Guid.NewGuid():N}.sock");
            _listener.Bind(new UnixDomainSocketEndPoint(_path));
            _listener.Listen();
            _accepting = AcceptAsync();
        }

        public Uri Endpoint => new($"unix://{_path}");

        public Func<string, Stall> Stalling { get; set; }

        public int Withheld => Volatile.Read(ref _withheld);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptAsync(_stop.Token);
                    var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    _sockets.Add(client);
                    _sockets.Add(engine);
                    await engine.ConnectAsync(new UnixDomainSocketEndPoint("/var/run/docker.sock"), _stop.Token);
                    var withholding = new StrongBox();
                    _ = PumpAsync(client, engine, firstLine =>
                    {
                        if (RequestLine().IsMatch(firstLine))
                        {
                            var stall = Stalling(firstLine);
                            withholding.Forwarding = stall != Stall.NotForwarded;
                            withholding.Value = stall == Stall.AnswerWithheld;
                            if (withholding.Value)
                            {
                                Interlocked.Increment(ref _withheld);
                            }
                        }

                        return withholding.Forwarding;
                    });
                    // A stalled request never gets an answer, not even the end of the connection.
                    _ = PumpAsync(engine, client, _ => !withholding.Value, keepOpen: () => withholding.Value || !withholding.Forwarding);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Disposed.
            }
        }

        /// <summary>Copies chunks from one socket to the other while <paramref name="forward"/> (given the chunk's first line) says so.</summary>
        private async Task PumpAsync(Socket from, Socket to, Func<string, bool> forward, Func<bool>? keepOpen = null)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                {
                    var text = Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 512));
                    var firstLine = text.Split("\r\n")[0];
                    if (forward(firstLine))
                    {
                        await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                    }
                }

                if (keepOpen?.Invoke() == true)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Either side went away.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Dispose();
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            await _accepting;
            _stop.Dispose();
            File.Delete(_path);
        }

        [GeneratedRegex(@"^[A-Z]+ \S+ HTTP/1\.[01]$")]
        private static partial Regex RequestLine();

        private sealed class StrongBox
        {
            public volatile bool Value;

            public volatile bool Forwarding = true;
        }
    }
}
