using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Testing.Docker;
using static ZonaProcessManager.Docker.Tests.DockerTestSpecs;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>Spec health checks become Docker HEALTHCHECKs whose verdict shows in the listed health.</summary>
public sealed class HealthCheckTests(DockerTestEnvironment environment) : IClassFixture<DockerTestEnvironment>
{
    private DockerContainerRuntime Runtime => environment.Runtime;

    private async Task<ObservedContainer> AwaitHealthAsync(ResourceKey owner, ContainerHealth expected) =>
        await Poll.UntilAsync(
            async () => Assert.Single(await Runtime.ListAsync(owner, CancellationToken.None)),
            c => c.Health == expected,
            Deadline,
            $"{owner} to become {expected}");

    [Fact]
    public async Task An_http_check_on_the_served_port_becomes_healthy()
    {
        var owner = NewOwner(environment);
        await Runtime.CreateAndStartAsync(
            Replica(environment, owner, HttpService(FastHttpCheck(DockerTestEnvironment.BusyboxHttpPort))), CancellationToken.None);

        var healthy = await AwaitHealthAsync(owner, ContainerHealth.Healthy);
        Assert.Equal(ContainerState.Running, healthy.State);
    }

    [Fact]
    public async Task An_http_check_on_a_port_nothing_listens_on_becomes_unhealthy()
    {
        var owner = NewOwner(environment);
        await Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService(FastHttpCheck(9999))), CancellationToken.None);

        var unhealthy = await AwaitHealthAsync(owner, ContainerHealth.Unhealthy);
        Assert.Equal(ContainerState.Running, unhealthy.State);
    }

    [Fact]
    public async Task A_tcp_check_on_the_served_port_becomes_healthy()
    {
        var owner = NewOwner(environment);
        var check = new HealthCheckSpec { Tcp = new TcpProbe(DockerTestEnvironment.BusyboxHttpPort), IntervalSeconds = 1, TimeoutSeconds = 1, Retries = 1 };
        await Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService(check)), CancellationToken.None);

        await AwaitHealthAsync(owner, ContainerHealth.Healthy);
    }

    [Fact]
    public async Task A_tcp_check_on_a_closed_port_becomes_unhealthy()
    {
        var owner = NewOwner(environment);
        var check = new HealthCheckSpec { Tcp = new TcpProbe(9999), IntervalSeconds = 1, TimeoutSeconds = 1, Retries = 1 };
        await Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService(check)), CancellationToken.None);

        await AwaitHealthAsync(owner, ContainerHealth.Unhealthy);
    }

    [Fact]
    public async Task An_exec_check_runs_the_given_command()
    {
        var healthyOwner = NewOwner(environment, "ok");
        var unhealthyOwner = NewOwner(environment, "bad");
        HealthCheckSpec Exec(params string[] command) => new() { Exec = command, IntervalSeconds = 1, TimeoutSeconds = 1, Retries = 1 };
        await Runtime.CreateAndStartAsync(
            Replica(environment, healthyOwner, HttpService(Exec("test", "-f", "/www/index.html"))), CancellationToken.None);
        await Runtime.CreateAndStartAsync(
            Replica(environment, unhealthyOwner, HttpService(Exec("test", "-f", "/www/missing.html"))), CancellationToken.None);

        await AwaitHealthAsync(healthyOwner, ContainerHealth.Healthy);
        await AwaitHealthAsync(unhealthyOwner, ContainerHealth.Unhealthy);
    }

    [Fact]
    public async Task The_unhealthy_test_image_never_passes_the_usual_http_check()
    {
        var owner = NewOwner(environment);
        var spec = HttpService(FastHttpCheck(DockerTestEnvironment.BusyboxHttpPort)) with { Image = DockerTestEnvironment.UnhealthyBusyboxImage };
        await Runtime.CreateAndStartAsync(Replica(environment, owner, spec), CancellationToken.None);

        var unhealthy = await AwaitHealthAsync(owner, ContainerHealth.Unhealthy);
        Assert.Equal(ContainerState.Running, unhealthy.State);
    }
}
