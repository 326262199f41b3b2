using Docker.DotNet.Models;
using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// Health checks probed by the operator from the host against real containers (zpm/busybox serves HTTP on 8080;
/// zpm/busybox:unhealthy listens on 8081 only), and `--probe-mode docker` keeping Docker's own health check.
/// </summary>
[Collection(OperatorIntegrationCollection.Name)]
public sealed class OperatorProbesOnDockerTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<OperatorUnderTest> _operators = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var started in _operators)
        {
            await started.DisposeAsync();
        }
    }

    private OperatorUnderTest Operator(ProbeMode mode = ProbeMode.Operator)
    {
        var created = new OperatorUnderTest(docker, mongo, output, probeMode: mode);
        _operators.Add(created);
        return created;
    }

    private static BsonDocument WithCheck(BsonDocument service, BsonDocument check)
    {
        service["spec"]["healthCheck"] = check.Merge(new BsonDocument { ["intervalSeconds"] = 1, ["timeoutSeconds"] = 1, ["retries"] = 2 });
        return service;
    }

    private async Task<ContainerInspectResponse> InspectOnlyContainerAsync(OperatorUnderTest running, string name)
    {
        var container = Assert.Single(await running.ContainersAsync(name));
        return await docker.Client.Containers.InspectContainerAsync(container.Id);
    }

    [Fact]
    public async Task An_http_checked_service_is_Running_with_healthy_replicas_probed_by_the_operator_and_no_docker_health_check()
    {
        var running = Operator();
        await running.StartAsync();
        await running.InsertAsync(running.ServiceDocument("web", replicas: 2));

        var status = await running.WaitRunningAsync("web", 2);

        Assert.All(status.Containers, c => Assert.Equal("healthy", c.Health));
        foreach (var container in await running.ContainersAsync("web"))
        {
            var inspection = await docker.Client.Containers.InspectContainerAsync(container.Id);
            Assert.Null(inspection.State!.Health);
            Assert.Equal(["NONE"], inspection.Config!.Healthcheck!.Test);
            Assert.Contains(ZpmLabels.Probe, inspection.Config!.Labels!.Keys);
        }
    }

    [Fact]
    public async Task A_replica_failing_its_http_probe_makes_the_service_Degraded_with_what_the_probe_found()
    {
        var running = Operator();
        await running.StartAsync();
        await running.InsertAsync(running.ServiceDocument("broken", image: DockerTestEnvironment.UnhealthyBusyboxImage));

        var status = await running.WaitForAsync(
            "broken",
            s => s.Phase == ResourcePhase.Degraded && s.Message?.Contains("health probe HTTP GET :8080/ failed: connection refused", StringComparison.Ordinal) == true,
            "Degraded, naming the refused probe");

        output.WriteLine(status.Message);
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: false });
        // The image's own HEALTHCHECK (always failing) is switched off too: the operator's probe is the only one.
        Assert.Null((await InspectOnlyContainerAsync(running, "broken")).State!.Health);
    }

    [Fact]
    public async Task A_tcp_check_is_probed_too_open_port_healthy_closed_port_Degraded()
    {
        var running = Operator();
        await running.StartAsync();
        await running.InsertAsync(WithCheck(running.ServiceDocument("open"), new BsonDocument { ["tcp"] = new BsonDocument { ["port"] = 8080 } }));
        await running.InsertAsync(WithCheck(running.ServiceDocument("closed"), new BsonDocument { ["tcp"] = new BsonDocument { ["port"] = 9999 } }));

        var open = await running.WaitRunningAsync("open", 1);
        var closed = await running.WaitForAsync(
            "closed",
            s => s.Phase == ResourcePhase.Degraded && s.Message?.Contains("health probe TCP :9999 failed: connection refused", StringComparison.Ordinal) == true,
            "Degraded, naming the refused TCP probe");

        Assert.Equal("healthy", Assert.Single(open.Containers).Health);
        output.WriteLine(closed.Message);
        Assert.Null((await InspectOnlyContainerAsync(running, "open")).State!.Health);
    }

    [Fact]
    public async Task Probe_mode_docker_keeps_dockers_health_check_and_the_operator_does_not_probe()
    {
        var running = Operator(ProbeMode.Docker);
        await running.StartAsync();
        await running.InsertAsync(running.ServiceDocument("web"));

        await running.WaitRunningAsync("web", 1);

        var inspection = await InspectOnlyContainerAsync(running, "web");
        Assert.Equal("healthy", inspection.State!.Health?.Status);
        Assert.Equal("CMD", inspection.Config!.Healthcheck!.Test![0]);
        Assert.DoesNotContain(ZpmLabels.Probe, inspection.Config!.Labels!.Keys);
    }
}
