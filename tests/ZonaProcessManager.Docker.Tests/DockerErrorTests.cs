using System.Net;
using System.Net.Sockets;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using static ZonaProcessManager.Docker.Tests.DockerTestSpecs;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>Docker's refusals surface as clear errors with Docker's own message, and leave nothing behind.</summary>
public sealed class DockerErrorTests(DockerTestEnvironment environment) : IClassFixture<DockerTestEnvironment>
{
    private DockerContainerRuntime Runtime => environment.Runtime;

    [Fact]
    public async Task A_missing_image_is_an_image_not_found_error_with_dockers_message_and_nothing_is_pulled()
    {
        var owner = NewOwner(environment);
        var image = $"zpm/does-not-exist-{environment.RunId}:latest";
        var spec = HttpService() with { Image = image };

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(
            () => Runtime.CreateAndStartAsync(Replica(environment, owner, spec), CancellationToken.None));

        Assert.Equal(ContainerRuntimeErrorKind.ImageNotFound, error.Kind);
        Assert.Contains("No such image", error.EngineMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(image, error.EngineMessage, StringComparison.Ordinal);
        Assert.Equal($"zpm-{owner.Tenant}-web-0", error.Target);
        Assert.Empty(await Runtime.ListAsync(owner, CancellationToken.None));
        await Assert.ThrowsAsync<global::Docker.DotNet.DockerImageNotFoundException>(
            () => environment.Client.Images.InspectImageAsync(image));
    }

    [Fact]
    public async Task A_host_port_already_taken_is_a_port_in_use_error_and_the_half_made_container_is_removed()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var takenPort = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var owner = NewOwner(environment);
        var spec = HttpService() with { Ports = [new PortSpec(DockerTestEnvironment.BusyboxHttpPort, takenPort)] };

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(
            () => Runtime.CreateAndStartAsync(Replica(environment, owner, spec), CancellationToken.None));

        Assert.Equal(ContainerRuntimeErrorKind.PortInUse, error.Kind);
        Assert.Contains(takenPort.ToString(System.Globalization.CultureInfo.InvariantCulture), error.EngineMessage, StringComparison.Ordinal);
        Assert.Contains("start container", error.Message, StringComparison.Ordinal);
        Assert.Empty(await Runtime.ListAsync(owner, CancellationToken.None));
    }

    [Fact]
    public async Task A_running_replica_of_the_same_name_is_a_name_conflict_and_stays_untouched()
    {
        var owner = NewOwner(environment);
        var runningId = await Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService(), 0, "old"), CancellationToken.None);

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(
            () => Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService(), 0, "new"), CancellationToken.None));

        Assert.Equal(ContainerRuntimeErrorKind.NameConflict, error.Kind);
        Assert.Contains("already in use", error.EngineMessage, StringComparison.Ordinal);
        var still = Assert.Single(await Runtime.ListAsync(owner, CancellationToken.None));
        Assert.Equal((runningId, "old", ContainerState.Running), (still.Id, still.SpecHash, still.State));
    }

    [Fact]
    public async Task A_stopped_leftover_of_the_same_owner_is_replaced()
    {
        var owner = NewOwner(environment);
        var spec = HttpService() with { RestartPolicy = RestartPolicy.Never };
        var leftoverId = await Runtime.CreateAndStartAsync(Replica(environment, owner, spec, 0, "old"), CancellationToken.None);
        await environment.Client.Containers.StopContainerAsync(
            leftoverId, new global::Docker.DotNet.Models.ContainerStopParameters { WaitBeforeKillSeconds = 0 });

        var newId = await Runtime.CreateAndStartAsync(Replica(environment, owner, spec, 0, "new"), CancellationToken.None);

        var replica = Assert.Single(await Runtime.ListAsync(owner, CancellationToken.None));
        Assert.NotEqual(leftoverId, newId);
        Assert.Equal((newId, "new", ContainerState.Running), (replica.Id, replica.SpecHash, replica.State));
    }

    [Fact]
    public async Task A_container_of_the_same_name_not_owned_by_zpm_is_never_removed()
    {
        var owner = NewOwner(environment);
        var desired = Replica(environment, owner, HttpService());
        var foreign = await environment.Client.Containers.CreateContainerAsync(new global::Docker.DotNet.Models.CreateContainerParameters
        {
            Name = desired.ContainerName,
            Image = DockerTestEnvironment.BusyboxImage,
            Labels = new Dictionary<string, string>(environment.RunLabels),
        });

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(
            () => Runtime.CreateAndStartAsync(desired, CancellationToken.None));

        Assert.Equal(ContainerRuntimeErrorKind.NameConflict, error.Kind);
        var inspection = await environment.Client.Containers.InspectContainerAsync(desired.ContainerName);
        Assert.Equal(foreign.ID, inspection.ID);
    }

    [Fact]
    public async Task A_network_that_does_not_exist_is_a_clear_error_and_leaves_no_container()
    {
        var owner = NewOwner(environment);
        var network = environment.NewName("missing");
        var spec = HttpService() with { Networks = [network] };

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(
            () => Runtime.CreateAndStartAsync(Replica(environment, owner, spec), CancellationToken.None));

        Assert.Contains(network, error.EngineMessage, StringComparison.Ordinal);
        Assert.Empty(await Runtime.ListAsync(owner, CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_engine_is_an_unavailable_error_that_says_how_to_fix_it()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"zpm-no-docker-{environment.RunId}.sock");
        using var runtime = DockerContainerRuntime.Create(endpoint: new Uri($"unix://{socket}"));

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => runtime.ListAsync(null, CancellationToken.None));

        Assert.Equal(ContainerRuntimeErrorKind.Unavailable, error.Kind);
        Assert.Contains("ensure-docker.sh", error.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_event_stream_reconnects_by_itself_when_the_engine_drops_it()
    {
        var socketPath = Path.Combine(Path.GetTempPath(), $"zpm-flaky-docker-{environment.RunId}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        var connections = 0;
        using var stop = new CancellationTokenSource();
        // An "engine" that hangs up on every connection, like a dockerd restarting over and over. It ends only by its
        // accept being cancelled, so the cleanup below can expect exactly that.
        var engine = Task.Run(async () =>
        {
            while (true)
            {
                using var connection = await listener.AcceptAsync(stop.Token);
                Interlocked.Increment(ref connections);
                connection.Close();
            }
        });
        using var runtime = DockerContainerRuntime.Create(
            new DockerRuntimeOptions
            {
                EventReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
                EventReconnectMaxDelay = TimeSpan.FromMilliseconds(100),
            },
            endpoint: new Uri($"unix://{socketPath}"));

        try
        {
            var enumerator = runtime.WatchEventsAsync(stop.Token).GetAsyncEnumerator(stop.Token);
            var next = enumerator.MoveNextAsync().AsTask();

            await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref connections)), n => n >= 3, Deadline, "three connection attempts");
            Assert.False(next.IsCompleted, $"the watcher stopped: {next.Exception?.GetBaseException().Message}");

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
            await enumerator.DisposeAsync();
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine);
            File.Delete(socketPath);
        }
    }

    [Fact]
    public async Task A_consumer_that_stops_reading_events_closes_the_stream()
    {
        var socketPath = Path.Combine(Path.GetTempPath(), $"zpm-events-{environment.RunId}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        using var stop = new CancellationTokenSource(Deadline);
        // An "engine" that sends one event of a zpm container, then keeps the stream open until the client hangs up.
        var clientHungUp = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync(stop.Token);
            var buffer = new byte[8192];
            var request = string.Empty;
            while (!request.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await connection.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                request += System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            }

            const string Event = """{"Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"zpm.kind":"ServiceSpec","zpm.tenant":"acme","zpm.name":"web"}},"time":4102444800,"timeNano":4102444800000000000}""";
            var response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + $"{Event.Length + 1:x}\r\n{Event}\n\r\n";
            await connection.SendAsync(System.Text.Encoding.ASCII.GetBytes(response), SocketFlags.None, stop.Token);
            return await connection.ReceiveAsync(buffer, SocketFlags.None, stop.Token) == 0;
        });
        using var runtime = DockerContainerRuntime.Create(endpoint: new Uri($"unix://{socketPath}"));

        try
        {
            await foreach (var containerEvent in runtime.WatchEventsAsync(stop.Token))
            {
                Assert.Equal((new ResourceKey("ServiceSpec", "acme", "web"), "die"), (containerEvent.Owner, containerEvent.Action));
                break;
            }

            Assert.True(await clientHungUp, "the engine saw data instead of the connection closing");
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    [Fact]
    public async Task An_engine_that_never_answers_is_an_unavailable_error_not_a_cancellation()
    {
        var socketPath = Path.Combine(Path.GetTempPath(), $"zpm-silent-docker-{environment.RunId}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        using var stop = new CancellationTokenSource();
        // Accepts the connection and then says nothing, like a hung dockerd.
        var engine = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync(stop.Token);
            await Task.Delay(Timeout.Infinite, stop.Token);
        });
        using var client = new global::Docker.DotNet.DockerClientBuilder()
            .WithEndpoint(new Uri($"unix://{socketPath}"))
            .WithTimeout(TimeSpan.FromSeconds(1))
            .Build();
        using var runtime = new DockerContainerRuntime(client);

        try
        {
            var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => runtime.ListAsync(null, CancellationToken.None));

            Assert.Equal(ContainerRuntimeErrorKind.Unavailable, error.Kind);
            Assert.Contains("did not answer in time", error.EngineMessage, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine);
            File.Delete(socketPath);
        }
    }
}
