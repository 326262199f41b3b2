using Docker.DotNet.Models;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using static ZonaProcessManager.Docker.Tests.DockerTestSpecs;
using RestartPolicy = ZonaProcessManager.Domain.Model.RestartPolicy;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>Create, list, restart and remove against the real Docker Engine.</summary>
public sealed class ContainerLifecycleTests(DockerTestEnvironment environment) : IClassFixture<DockerTestEnvironment>
{
    private DockerContainerRuntime Runtime => environment.Runtime;

    [Fact]
    public async Task A_started_replica_serves_http_on_an_auto_port_on_loopback()
    {
        var id = await Runtime.CreateAndStartAsync(Replica(environment, NewOwner(environment), HttpService()), CancellationToken.None);

        var inspection = await environment.Client.Containers.InspectContainerAsync(id);
        var binding = Assert.Single(inspection.NetworkSettings!.Ports!["8080/tcp"]);
        Assert.Equal("127.0.0.1", binding.HostIP);
        var port = await environment.HostPortAsync(id, DockerTestEnvironment.BusyboxHttpPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var page = await Poll.UntilAsync(
            () => http.GetStringAsync($"http://127.0.0.1:{port}/"),
            body => body.Contains("zpm/busybox", StringComparison.Ordinal),
            Deadline,
            "the index page from the container");
        Assert.Contains("busybox httpd", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Env_and_command_reach_the_container()
    {
        var spec = HttpService() with
        {
            Env = new Dictionary<string, string> { ["GREETING"] = "hello from env" },
            Command = ["sh", "-c", "echo \"$GREETING\" > /tmp/greeting.txt && exec httpd -f -p 8080 -h /tmp"],
        };
        var id = await Runtime.CreateAndStartAsync(Replica(environment, NewOwner(environment), spec), CancellationToken.None);

        var port = await environment.HostPortAsync(id, DockerTestEnvironment.BusyboxHttpPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var greeting = await Poll.UntilAsync(
            () => http.GetStringAsync($"http://127.0.0.1:{port}/greeting.txt"),
            body => body.Length > 0,
            Deadline,
            "the greeting written by the custom command");
        Assert.Equal("hello from env", greeting.Trim());
    }

    [Fact]
    public async Task List_by_owner_sees_only_that_owners_replicas_with_their_replica_numbers_and_hash()
    {
        var web = NewOwner(environment, "web");
        var api = new ResourceKey(web.Kind, web.Tenant, "api");
        await Runtime.CreateAndStartAsync(Replica(environment, web, HttpService(), 0, "hash-a"), CancellationToken.None);
        await Runtime.CreateAndStartAsync(Replica(environment, web, HttpService(), 1, "hash-a"), CancellationToken.None);
        await Runtime.CreateAndStartAsync(Replica(environment, api, HttpService(), 0, "hash-b"), CancellationToken.None);

        var webReplicas = await Runtime.ListAsync(web, CancellationToken.None);

        Assert.Equal([0, 1], webReplicas.Select(c => c.Replica));
        Assert.All(webReplicas, c =>
        {
            Assert.Equal(web, c.Owner);
            Assert.Equal("hash-a", c.SpecHash);
            Assert.Equal(ContainerState.Running, c.State);
            Assert.NotNull(c.StartedAt);
            Assert.Equal(ContainerHealth.None, c.Health);
        });
        Assert.Equal([$"zpm-{web.Tenant}-web-0", $"zpm-{web.Tenant}-web-1"], webReplicas.Select(c => c.Name));

        var everything = await Runtime.ListAsync(null, CancellationToken.None);
        Assert.Contains(everything, c => c.Owner == api && c.SpecHash == "hash-b");
        Assert.Equal(2, everything.Count(c => c.Owner == web));
    }

    [Fact]
    public async Task Containers_carry_the_contract_labels_restart_policy_and_limits()
    {
        var owner = NewOwner(environment);
        var spec = HttpService() with { Resources = new ResourceLimits(0.25, 32), RestartPolicy = RestartPolicy.Always };
        var id = await Runtime.CreateAndStartAsync(Replica(environment, owner, spec, 3, "hash-x"), CancellationToken.None);

        var inspection = await environment.Client.Containers.InspectContainerAsync(id);

        var labels = inspection.Config!.Labels!;
        Assert.Equal("true", labels[ZpmLabels.Managed]);
        Assert.Equal(owner.Tenant, labels[ZpmLabels.Tenant]);
        Assert.Equal(owner.Name, labels[ZpmLabels.Name]);
        Assert.Equal(owner.Kind, labels[ZpmLabels.Kind]);
        Assert.Equal("3", labels[ZpmLabels.Replica]);
        Assert.Equal("hash-x", labels[ZpmLabels.SpecHash]);
        Assert.Equal(environment.RunId, labels[ZpmLabels.TestRun]);
        Assert.Equal(RestartPolicyKind.UnlessStopped, inspection.HostConfig!.RestartPolicy!.Name);
        Assert.Equal(250_000_000L, inspection.HostConfig.NanoCPUs);
        Assert.Equal(32L * 1024 * 1024, inspection.HostConfig.Memory);
    }

    [Fact]
    public async Task Remove_takes_the_container_away_and_is_idempotent()
    {
        var owner = NewOwner(environment);
        var id = await Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService()), CancellationToken.None);

        await Runtime.RemoveAsync(id, CancellationToken.None);
        await Runtime.RemoveAsync(id, CancellationToken.None);
        await Runtime.RemoveAsync("no-such-container-" + environment.RunId, CancellationToken.None);

        Assert.Empty(await Runtime.ListAsync(owner, CancellationToken.None));
    }

    [Fact]
    public async Task Restart_starts_the_same_container_again()
    {
        var owner = NewOwner(environment);
        var id = await Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService()), CancellationToken.None);
        var before = Assert.Single(await Runtime.ListAsync(owner, CancellationToken.None));

        await Runtime.RestartAsync(id, CancellationToken.None);

        var after = Assert.Single(await Runtime.ListAsync(owner, CancellationToken.None));
        Assert.Equal(id, after.Id);
        Assert.Equal(ContainerState.Running, after.State);
        Assert.True(after.StartedAt > before.StartedAt, $"started at {after.StartedAt}, before restart {before.StartedAt}");
    }

    [Fact]
    public async Task A_stopped_container_is_listed_with_its_exit_reason()
    {
        var owner = NewOwner(environment);
        var spec = new ServiceSpecBody
        {
            Image = DockerTestEnvironment.BusyboxImage,
            Command = ["sh", "-c", "exit 3"],
            RestartPolicy = RestartPolicy.Never,
        };
        await Runtime.CreateAndStartAsync(Replica(environment, owner, spec), CancellationToken.None);

        var exited = await Poll.UntilAsync(
            async () => Assert.Single(await Runtime.ListAsync(owner, CancellationToken.None)),
            c => c.State == ContainerState.Exited,
            Deadline,
            "the container to exit");
        Assert.Equal("exited with code 3", exited.Error);
        Assert.Equal(3, exited.ExitCode);
        Assert.True(exited.CreatedAt <= exited.StartedAt, $"created {exited.CreatedAt}, started {exited.StartedAt}");
    }
}
