using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Web.Tests.Health;

/// <summary>/healthz and /readyz of the real operator in-process, on the Mongo test target and the real Docker Engine.</summary>
[Collection(WebOperatorCollection.Name)]
public sealed class HealthEndpointTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output)
{
    [Fact]
    public async Task A_leader_whose_store_and_engine_answer_is_ready_and_alive_with_every_loop_running()
    {
        await using var zpm = new OperatorWithHttp(docker, mongo, output);
        await zpm.StartAsync();

        var ready = await zpm.WaitForStatusAsync("/readyz", HttpStatusCode.OK, role: "leader");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("ok", ready.GetProperty("store").GetProperty("status").GetString());
        Assert.Equal("ok", ready.GetProperty("runtime").GetProperty("status").GetString());
        Assert.True(ready.GetProperty("startupResyncDone").GetBoolean());
        Assert.Empty(ready.GetProperty("failed").EnumerateArray());

        var (status, alive) = await zpm.GetJsonAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", alive.GetProperty("status").GetString());
        Assert.Equal("leader", alive.GetProperty("role").GetString());
        var loops = alive.GetProperty("loops").EnumerateArray().Select(loop => loop.GetString()).ToList();
        Assert.Contains("WatchLoop", loops);
        Assert.Contains("QueueWorker", loops);
        Assert.Contains("ResyncLoop", loops);
    }

    [Fact]
    public async Task Readyz_is_503_naming_the_engine_when_docker_does_not_answer_while_healthz_stays_200()
    {
        var missingSocket = Path.Combine(Path.GetTempPath(), $"zpm-no-engine-{Guid.NewGuid():N}.sock");
        await using var zpm = new OperatorWithHttp(docker, mongo, output, settings => settings with { DockerEndpoint = new Uri("unix://" + missingSocket) });
        await zpm.StartAsync();

        var body = await zpm.WaitForAsync(
            "/readyz",
            (status, json) => status == HttpStatusCode.ServiceUnavailable && json.GetProperty("role").GetString() == "leader"
                && json.GetProperty("runtime").GetProperty("status").GetString() == "unreachable",
            "/readyz to say the engine is unreachable");

        Assert.Equal("not ready", body.GetProperty("status").GetString());
        Assert.Contains(body.GetProperty("failed").EnumerateArray(), failure => failure.GetString()!.StartsWith("runtime: ", StringComparison.Ordinal));
        Assert.Equal("ok", body.GetProperty("store").GetProperty("status").GetString());
        var (aliveStatus, _) = await zpm.GetJsonAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, aliveStatus);
    }

    [Fact]
    public async Task Readyz_is_503_naming_the_store_when_it_does_not_answer()
    {
        // A port nothing listens on: the election cannot take the lease, so the instance stands by and probes the store.
        var closedPort = FreeTcpPort.Pick();

        await using var zpm = new OperatorWithHttp(docker, mongo, output, settings => settings with
        {
            MongoConnectionString = $"mongodb://127.0.0.1:{closedPort}/?directConnection=true&serverSelectionTimeoutMS=500",
        });
        await zpm.StartAsync();

        var body = await zpm.WaitForStatusAsync("/readyz", HttpStatusCode.ServiceUnavailable);

        Assert.Equal("standby", body.GetProperty("role").GetString());
        Assert.Equal("unreachable", body.GetProperty("store").GetProperty("status").GetString());
        Assert.Contains(body.GetProperty("failed").EnumerateArray(), failure => failure.GetString()!.StartsWith("store: ", StringComparison.Ordinal));
        var (aliveStatus, _) = await zpm.GetJsonAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, aliveStatus);
    }

    [Fact]
    public async Task A_passive_standby_is_alive_and_ready_while_its_store_answers()
    {
        await using var zpm = new OperatorWithHttp(docker, mongo, output, settings => settings with
        {
            LeaderElection = settings.LeaderElection with { Role = LeaderRole.Passive },
        });
        await zpm.StartAsync();

        var ready = await zpm.WaitForStatusAsync("/readyz", HttpStatusCode.OK);
        Assert.Equal("standby", ready.GetProperty("role").GetString());
        Assert.Equal("ok", ready.GetProperty("store").GetProperty("status").GetString());
        var (status, alive) = await zpm.GetJsonAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("standby", alive.GetProperty("role").GetString());
        Assert.Empty(alive.GetProperty("loops").EnumerateArray());
    }
}
