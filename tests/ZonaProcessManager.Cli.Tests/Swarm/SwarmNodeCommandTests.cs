using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet.Models;
using MongoDB.Bson;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Commands;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using ZonaProcessManager.Testing.Swarm;

namespace ZonaProcessManager.Cli.Tests.Swarm;

/// <summary>`zpm get nodes` and `zpm describe service` against the three-node lab, with services the test makes itself.</summary>
[Collection(SwarmLabCollection.Name)]
public sealed class SwarmNodeCommandTests(SwarmLabFixture fixture, MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly TimeSpan TaskDeadline = TimeSpan.FromSeconds(120);

    private async Task<CliResult> ZpmAsync(Uri dockerHost, params string[] args)
    {
        var result = await CliRunner.RunWithEnvironmentAsync(
            new Dictionary<string, string> { [NodeGetCommand.DockerHostVariable] = dockerHost.ToString() }, args);
        output.WriteLine($"$ DOCKER_HOST={dockerHost} zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    private static ServiceCreateParameters OnZone(SwarmTestRun run, string name, string zone, ulong replicas, EndpointSpec? endpoint = null) => new()
    {
        Service = new ServiceSpec
        {
            Name = name,
            Labels = new Dictionary<string, string>(run.RunLabels),
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new ContainerSpec
                {
                    Image = DockerTestEnvironment.BusyboxImage,
                    Command = ["/bin/httpd", "-f", "-p", "8080", "-h", "/"],
                    Labels = new Dictionary<string, string>(run.RunLabels),
                },
                Placement = new Placement { Constraints = [$"node.labels.{SwarmLab.ZoneLabel}=={zone}"] },
            },
            Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = replicas } },
            EndpointSpec = endpoint,
        },
    };

    private static async Task<IList<TaskResponse>> RunningTasksAsync(SwarmTestRun run, string service, int count) =>
        await Poll.UntilAsync(
            async () => (await run.Manager.Tasks.ListAsync(new TasksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["service"] = new Dictionary<string, bool> { [service] = true },
                    ["desired-state"] = new Dictionary<string, bool> { ["running"] = true },
                },
            })).Where(task => task.Status?.State == TaskState.Running).ToList(),
            found => found.Count == count,
            TaskDeadline,
            $"{count} running task(s) of {service}");

    [Fact]
    public async Task Get_nodes_lists_every_lab_node_with_its_role_availability_state_address_and_tasks()
    {
        var lab = fixture.Lab;
        await using var run = new SwarmTestRun(lab);
        var service = run.NewName("two-on-zone2");
        var worker = lab.Nodes[1];
        await run.Manager.Swarm.CreateServiceAsync(OnZone(run, service, worker.Zone, 2));
        await RunningTasksAsync(run, service, 2);

        var table = await ZpmAsync(lab.ManagerEndpoint, "get", "nodes");
        var json = await ZpmAsync(lab.ManagerEndpoint, "get", "nodes", "-o", "json");

        Assert.Equal(0, table.ExitCode);
        var lines = table.Output.Split('\n').Select(line => line.TrimEnd()).ToList();
        Assert.Matches(@"^\s*ID\s+HOSTNAME\s+ROLE\s+AVAILABILITY\s+STATE\s+TASKS\s+ADDRESS$", Assert.Single(lines, line => line.Contains("HOSTNAME")));
        foreach (var node in lab.Nodes)
        {
            var role = node.Role == "manager" ? @"manager \(leader\)" : "worker";
            Assert.Matches($@"^\s*{node.NodeId}\s+{node.Hostname}\s+{role}\s+active\s+ready\s+\d+\s+{node.Address.Replace(".", @"\.")}$", Assert.Single(lines, line => line.Contains(node.NodeId)));
        }

        Assert.Equal(0, json.ExitCode);
        using var parsed = JsonDocument.Parse(json.Output);
        var listed = parsed.RootElement.EnumerateArray().ToDictionary(node => node.GetProperty("id").GetString()!);
        Assert.Equal(lab.Nodes.Select(node => node.NodeId).Order(), listed.Keys.Order());
        Assert.True(listed[worker.NodeId].GetProperty("tasks").GetInt32() >= 2, $"{worker.Hostname} runs the test's two tasks");
        Assert.True(listed[lab.Manager.NodeId].GetProperty("leader").GetBoolean());
        Assert.Equal("worker", listed[worker.NodeId].GetProperty("role").GetString());
    }

    [Fact]
    public async Task Get_nodes_on_a_worker_says_it_is_a_worker_and_not_a_manager()
    {
        var worker = fixture.Lab.Nodes[2];

        var result = await ZpmAsync(worker.Endpoint, "get", "nodes");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: Listing the swarm's nodes needs a Docker Swarm manager, but the engine is a Swarm worker (node {worker.NodeId}), not a manager: "
            + "only managers create services and see the swarm's tasks; point DOCKER_HOST at a manager of the swarm",
            result.Error.TrimEnd());
    }

    [Fact]
    public async Task Describe_service_shows_the_node_of_each_task_and_the_host_mode_port_it_answers_on()
    {
        var lab = fixture.Lab;
        await using var run = new SwarmTestRun(lab);
        await using var database = target.CreateDatabase(output);
        var service = run.NewName("one-on-zone3");
        var node = lab.Nodes[2];
        await run.Manager.Swarm.CreateServiceAsync(OnZone(run, service, node.Zone, 1, new EndpointSpec
        {
            Ports = [new PortConfig { Protocol = "tcp", TargetPort = 8080, PublishMode = "host" }],
        }));
        var task = (await RunningTasksAsync(run, service, 1))[0];
        var ports = task.Status?.PortStatus?.Ports ?? [];
        output.WriteLine("task ports: " + string.Join(", ", ports.Select(port => $"{port.PublishedPort}->{port.TargetPort}/{port.Protocol} {port.PublishMode}")));
        var published = ports.Select(port => port.PublishedPort).Distinct().SingleOrDefault()
                        ?? throw new InvalidOperationException($"task {task.ID} publishes no port");
        await database.Collection<BsonDocument>("services").InsertOneAsync(new BsonDocument
        {
            ["_id"] = "acme/web",
            ["apiVersion"] = "zpm/v1",
            ["kind"] = "ServiceSpec",
            ["metadata"] = new BsonDocument { ["name"] = "web", ["tenant"] = "acme" },
            ["spec"] = new BsonDocument { ["image"] = DockerTestEnvironment.BusyboxImage },
            ["status"] = new BsonDocument
            {
                ["phase"] = "Running",
                ["replicas"] = new BsonDocument { ["desired"] = 1, ["ready"] = 1 },
                ["containers"] = new BsonArray
                {
                    new BsonDocument { ["id"] = task.ID, ["name"] = $"{service}.1", ["state"] = "running", ["health"] = "none", ["node"] = task.NodeID, ["slot"] = 1 },
                },
                ["updatedAt"] = new BsonDateTime(DateTime.UtcNow),
            },
        });

        var result = await ZpmAsync(lab.ManagerEndpoint, "describe", "service", "web", "-t", "acme", "--mongo", target.ConnectionString, "--database", database.Name);

        Assert.Equal(0, result.ExitCode);
        var endpoint = $"{node.Address}:{published} → 8080";
        Assert.Contains(
            result.Output.Split('\n'),
            line => line.Contains(task.ID[..12]) && line.Contains($"{node.NodeId} ({node.Hostname} {node.Address})") && line.Contains(endpoint));
        using var client = new TcpClient();
        await client.ConnectAsync(node.Address, (int)published);
        Assert.True(client.Connected, $"nothing answers on {endpoint}");
    }
}
