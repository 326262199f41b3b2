using Docker.DotNet.Models;
using MongoDB.Bson;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Commands;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm get nodes`, `zpm run --runtime swarm` and `zpm describe service` against the machine's own Docker Engine, which
/// is not (and must never be made) a Swarm manager; a real swarm is the lab's (SwarmLabCommandTests).
/// </summary>
public sealed class SwarmCommandTests(MongoTestTarget target, DockerTestEnvironment docker, ITestOutputHelper output)
    : IClassFixture<MongoTestTarget>, IClassFixture<DockerTestEnvironment>
{
    private const string NowhereSocket = "unix:///nonexistent/zpm-test/docker.sock";

    private async Task<CliResult> ZpmAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var result = await CliRunner.RunWithEnvironmentAsync(environment, args);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    private static IReadOnlyDictionary<string, string> NoEnvironment => new Dictionary<string, string>();

    [Fact]
    public async Task Get_nodes_on_an_engine_outside_a_swarm_is_one_clear_error_line_not_a_stack()
    {
        var result = await ZpmAsync(NoEnvironment, "get", "nodes");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "error: Listing the swarm's nodes needs a Docker Swarm manager, but the engine is not part of a swarm (Swarm state inactive); point DOCKER_HOST at a manager of the swarm",
            result.Error.TrimEnd());
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task Get_nodes_on_an_engine_that_does_not_answer_says_so()
    {
        var result = await ZpmAsync(new Dictionary<string, string> { [NodeGetCommand.DockerHostVariable] = NowhereSocket }, "get", "nodes");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: probe swarm engine: Docker Engine unreachable", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task Run_with_runtime_swarm_on_an_engine_outside_a_swarm_fails_before_anything_starts()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "zpm-cli-test-" + Guid.NewGuid().ToString("N"));

        var result = await ZpmAsync(NoEnvironment, "run", "--runtime", "swarm", "--mongo-port", "0", "--data-dir", dataDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "error: --runtime swarm needs a Docker Swarm manager, but the engine is not part of a swarm (Swarm state inactive); point DOCKER_HOST at a manager of the swarm",
            result.Error.TrimEnd());
        Assert.DoesNotContain("embedded MongoDB listening", result.Output);
        Assert.False(Directory.Exists(dataDirectory), "the embedded server was started");
    }

    [Fact]
    public async Task The_node_table_stays_one_line_per_node_without_colours_when_stdout_is_not_a_terminal()
    {
        using var written = new StringWriter();
        var context = new CliContext(written, TextWriter.Null, _ => null);
        SwarmNode[] nodes =
        [
            new("p5u1kqz3x0manager00000001", "lab", "manager", "active", "ready", Leader: true, "10.77.0.11", 4),
            new("a8k2m3n4worker0000000002", "lab", "worker", "drain", "ready", Leader: false, "10.77.0.12", 0),
            new("z9y8x7w6worker0000000003", "lab", "worker", "active", "down", Leader: false, "10.77.0.13", 2),
        ];

        await NodeGetCommand.Table(nodes).WriteAsync(context.Output, wide: false);

        var lines = written.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd()).Where(line => line.Trim().Length > 0).ToList();
        output.WriteLine(written.ToString());
        Assert.DoesNotContain("\u001b[", written.ToString());
        Assert.Matches(@"^\s*ID\s+HOSTNAME\s+ROLE\s+AVAILABILITY\s+STATE\s+TASKS\s+ADDRESS$", lines[0]);
        Assert.Matches(@"p5u1kqz3x0manager00000001\s+lab\s+manager \(leader\)\s+active\s+ready\s+4\s+10\.77\.0\.11$", Assert.Single(lines, line => line.Contains("p5u1kqz3x0")));
        Assert.Matches(@"a8k2m3n4worker0000000002\s+lab\s+worker\s+drain\s+ready\s+0\s+10\.77\.0\.12$", Assert.Single(lines, line => line.Contains("a8k2m3n4")));
        Assert.Matches(@"z9y8x7w6worker0000000003\s+lab\s+worker\s+active\s+down\s+2\s+10\.77\.0\.13$", Assert.Single(lines, line => line.Contains("z9y8x7w6")));
    }

    [Fact]
    public async Task Describe_service_shows_each_task_with_its_node_slot_and_whole_error_even_when_the_engine_does_not_answer()
    {
        await using var database = target.CreateDatabase(output);
        var longError = "no suitable node (host-mode port already in use on 2 nodes; scheduling constraints not satisfied on 1 node) "
            + new string('x', 250);
        await database.Collection<BsonDocument>("services").InsertOneAsync(Service("web", new BsonArray
        {
            new BsonDocument { ["id"] = "w2jkq0task000000000000001", ["name"] = "zpm-acme-web.1", ["state"] = "running", ["health"] = "healthy", ["node"] = "p5u1kqz3x0node0000000001", ["slot"] = 1 },
            new BsonDocument { ["id"] = "w2jkq0task000000000000002", ["name"] = "zpm-acme-web.2", ["state"] = "pending", ["health"] = "none", ["node"] = "", ["slot"] = 2, ["error"] = longError },
        }));

        var result = await ZpmAsync(
            new Dictionary<string, string> { [NodeGetCommand.DockerHostVariable] = NowhereSocket },
            "describe", "service", "web", "-t", "acme", "--mongo", target.ConnectionString, "--database", database.Name);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n').Select(line => line.TrimEnd()).ToList();
        Assert.Matches(@"NAME\s+ID\s+NODE\s+SLOT\s+STATE\s+HEALTH\s+ENDPOINTS$", Assert.Single(lines, line => line.Contains("NODE")));
        Assert.Matches(@"zpm-acme-web\.1\s+w2jkq0task00\s+p5u1kqz3x0node0000000001\s+1\s+running\s+healthy\s+\?$", Assert.Single(lines, line => line.Contains("zpm-acme-web.1")));
        Assert.Matches(@"zpm-acme-web\.2\s+w2jkq0task00\s+-\s+2\s+pending\s+none\s+\?$", Assert.Single(lines, line => line.Contains("zpm-acme-web.2") && !line.Contains(':')));
        Assert.Contains($"  zpm-acme-web.2: {longError}", lines);
        Assert.Contains(lines, line => line.StartsWith("Endpoints unknown: read endpoints replicas: Docker Engine unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Describe_service_piped_to_another_process_keeps_each_task_on_one_line()
    {
        await using var database = target.CreateDatabase(output);
        await database.Collection<BsonDocument>("services").InsertOneAsync(Service("web", new BsonArray
        {
            new BsonDocument { ["id"] = "w2jkq0task000000000000001", ["name"] = "zpm-acme-web-with-a-long-name.1", ["state"] = "running", ["health"] = "healthy", ["node"] = "p5u1kqz3x0node0000000001", ["slot"] = 1 },
        }));

        // A real process with stdout redirected, as in `zpm describe service web | grep`: no terminal, so no width to wrap at.
        var result = await Swarm.ZpmChildCommand.RunAsync(
            new Dictionary<string, string> { [NodeGetCommand.DockerHostVariable] = NowhereSocket },
            ["describe", "service", "web", "-t", "acme", "--mongo", target.ConnectionString, "--database", database.Name]);
        output.WriteLine($"$ zpm describe service web | cat → {result.ExitCode}\n{result.Output}{result.Error}");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"zpm-acme-web-with-a-long-name\.1\s+w2jkq0task00\s+p5u1kqz3x0node0000000001\s+1\s+running\s+healthy\s+\?", result.Output);
        Assert.DoesNotContain("\u001b[", result.Output);
    }

    [Fact]
    public async Task Describe_service_shows_the_host_port_a_container_answers_on()
    {
        await using var database = target.CreateDatabase(output);
        var name = docker.NewName("describe");
        var created = await docker.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = DockerTestEnvironment.BusyboxImage,
            Cmd = ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"],
            Labels = new Dictionary<string, string>(docker.RunLabels),
            ExposedPorts = new Dictionary<string, EmptyStruct> { ["8080/tcp"] = default },
            HostConfig = new HostConfig
            {
                PortBindings = new Dictionary<string, IList<PortBinding>> { ["8080/tcp"] = [new PortBinding { HostIP = "127.0.0.1", HostPort = "" }] },
            },
        });
        await docker.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        var hostPort = await docker.HostPortAsync(created.ID, 8080);
        await database.Collection<BsonDocument>("services").InsertOneAsync(Service("web", new BsonArray
        {
            new BsonDocument { ["id"] = created.ID, ["name"] = name, ["state"] = "running", ["health"] = "none" },
        }));

        var result = await ZpmAsync(NoEnvironment, "describe", "service", "web", "-t", "acme", "--mongo", target.ConnectionString, "--database", database.Name);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"NAME\s+ID\s+STATE\s+HEALTH\s+ENDPOINTS", result.Output);
        Assert.Matches($@"{name}\s+{created.ID[..12]}\s+running\s+none\s+127\.0\.0\.1:{hostPort} → 8080$", result.Output.Split('\n').Single(line => line.Contains(name, StringComparison.Ordinal) && line.Contains("running", StringComparison.Ordinal)));
        Assert.DoesNotContain("Endpoints unknown", result.Output);
    }

    private static BsonDocument Service(string name, BsonArray containers) => new()
    {
        ["_id"] = $"acme/{name}",
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "ServiceSpec",
        ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = "acme" },
        ["spec"] = new BsonDocument { ["image"] = "zpm/busybox:latest", ["replicas"] = 2 },
        ["status"] = new BsonDocument
        {
            ["phase"] = "Degraded",
            ["replicas"] = new BsonDocument { ["desired"] = 2, ["ready"] = 1 },
            ["containers"] = containers,
            ["updatedAt"] = new BsonDateTime(DateTime.UtcNow),
        },
    };
}
