using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// Containers Docker creates but cannot keep running, on the real engine: the operator retries them at its failure
/// backoff instead of as fast as Docker reports the events its own attempts cause.
/// </summary>
[Collection(OperatorIntegrationCollection.Name)]
public sealed class FailureBackoffOnDockerTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly OperatorUnderTest _operator = new(docker, mongo, output);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _operator.DisposeAsync();

    [Fact]
    public async Task A_service_whose_host_port_is_held_by_another_process_is_retried_with_backoff_not_in_a_loop()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var document = _operator.ServiceDocument("web");
        document["spec"]["ports"] = new BsonArray { new BsonDocument { ["container"] = DockerTestEnvironment.BusyboxHttpPort, ["host"] = port } };
        var containerName = $"zpm-{_operator.Tenant}-web-0";
        await _operator.StartAsync();

        var window = TimeSpan.FromSeconds(60);
        var events = CollectEventsAsync(containerName, window);
        await _operator.InsertAsync(document);
        var actions = await events;

        var creates = actions.Count(a => a == "create");
        output.WriteLine($"{creates} create(s) of {containerName} in {window.TotalSeconds:0} s with port {port} held");
        Assert.InRange(creates, 1, 10);
        var status = await _operator.StatusAsync("web");
        Assert.Equal(ResourcePhase.Degraded, status?.Phase);
        Assert.Contains("already in use", status?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_crash_looping_container_ends_Degraded_CrashLoopBackOff_with_a_bounded_number_of_restarts()
    {
        var document = _operator.ServiceDocument("crash");
        document["spec"].AsBsonDocument.Remove("healthCheck");
        document["spec"]["command"] = new BsonArray { "sh", "-c", "exit 1" };
        var containerName = $"zpm-{_operator.Tenant}-crash-0";
        await _operator.StartAsync();
        await _operator.InsertAsync(document);

        var status = await _operator.WaitForAsync("crash",
            s => s.Phase == ResourcePhase.Degraded && s.Conditions.Any(c => c.Reason == PlanOutcome.Reasons.CrashLoopBackOff),
            "Degraded with reason CrashLoopBackOff");
        output.WriteLine(status.Message);
        Assert.Contains("exited with code 1", status.Message, StringComparison.Ordinal);

        var window = TimeSpan.FromSeconds(40);
        var actions = await CollectEventsAsync(containerName, window);

        var creates = actions.Count(a => a == "create");
        var starts = actions.Count(a => a == "start");
        output.WriteLine($"{creates} create(s) and {starts} start(s) of {containerName} in {window.TotalSeconds:0} s");
        Assert.InRange(creates, 0, 1);
        Assert.InRange(starts, 0, 20);
        Assert.Equal(ResourcePhase.Degraded, (await _operator.StatusAsync("crash"))?.Phase);
    }

    /// <summary>Docker's own record of what happened to one container name during <paramref name="window"/>.</summary>
    private async Task<IReadOnlyList<string>> CollectEventsAsync(string containerName, TimeSpan window)
    {
        var actions = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(window);
        var parameters = new ContainerEventsParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
                ["container"] = new Dictionary<string, bool> { [containerName] = true },
            },
        };
        try
        {
            await docker.Client.System.MonitorEventsAsync(parameters, new Collector(actions), stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The window is over.
        }

        return [.. actions];
    }

    private sealed class Collector(ConcurrentQueue<string> actions) : IProgress<Message>
    {
        public void Report(Message value) => actions.Enqueue(value.Action ?? string.Empty);
    }
}
