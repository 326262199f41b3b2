using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Swarm;

namespace ZonaProcessManager.Cli.Tests.Swarm;

/// <summary>
/// ServiceSpecs written with mongosh run as Swarm services on the three-node lab, driven by a real `zpm run --runtime
/// swarm`: placement over nodes, scaling, rolling updates, Swarm's own rollback, removal. What Swarm really runs is
/// read from the manager's API, not only from the status zpm writes.
/// </summary>
[Collection(SwarmLabCollection.Name)]
public sealed class SwarmServiceTests(SwarmLabFixture lab, ITestOutputHelper output)
{
    private const string Busybox = DockerTestEnvironment.BusyboxImage;
    private const string UnhealthyBusybox = DockerTestEnvironment.UnhealthyBusyboxImage;
    private static readonly BsonArray HttpdCommand = ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"];

    [Fact]
    public async Task Three_replicas_spread_over_nodes_reach_running_scale_to_six_and_to_zero_and_go_with_their_document()
    {
        await using var session = await SwarmOperatorSession.StartAsync(lab.Lab, output);
        var tenant = session.Tenant;
        var service = SwarmOperatorSession.ServiceName(tenant, "web");

        await session.InsertServiceAsync(tenant, "web", new BsonDocument
        {
            ["image"] = Busybox,
            ["command"] = HttpdCommand,
            ["replicas"] = 3,
        });
        var running = await session.WaitForPhaseAsync(tenant, "web", "Running", ready: 3);

        var tasks = await session.RunningTasksAsync(service);
        Assert.Equal(3, tasks.Count);
        Assert.True(tasks.Select(task => task.NodeID).Distinct().Count() >= 2,
            $"3 replicas should spread over at least 2 of the 3 nodes; they run on {string.Join(", ", tasks.Select(t => t.NodeID))}");
        Assert.Equal(
            tasks.Select(task => task.NodeID).Order(),
            session.StatusNodes(running).Select(node => node?.NodeId).Order());

        var swarmService = await session.SwarmServiceAsync(service);
        Assert.NotNull(swarmService);
        var labels = swarmService.Spec?.Labels ?? new Dictionary<string, string>();
        Assert.Equal(tenant, labels[ZpmLabels.Tenant]);
        Assert.Equal("web", labels[ZpmLabels.Name]);
        Assert.Equal("true", labels[ZpmLabels.Managed]);
        Assert.Equal("ServiceSpec", labels[ZpmLabels.Kind]);
        Assert.False(string.IsNullOrEmpty(labels[ZpmLabels.SpecHash]));
        Assert.Equal($"ServiceSpec/{tenant}/web", labels[ZpmLabels.Owner]);

        await session.SetAsync(tenant, "web", new BsonDocument("spec.replicas", 6));
        await session.WaitForPhaseAsync(tenant, "web", "Running", ready: 6);
        var six = await session.RunningTasksAsync(service);
        Assert.Equal(6, six.Count);
        Assert.True(six.Select(task => task.NodeID).Distinct().Count() >= 2, "6 replicas on one node");
        Assert.Equal(6UL, (await session.SwarmServiceAsync(service))?.Spec?.Mode?.Replicated?.Replicas);

        await session.SetAsync(tenant, "web", new BsonDocument("spec.replicas", 0));
        await session.WaitForServiceAsync(tenant, "web",
            document => SwarmOperatorSession.Phase(document) == "Running" && SwarmOperatorSession.Desired(document) == 0
                        && SwarmOperatorSession.Ready(document) == 0,
            "Running with 0 of 0 replicas");
        Assert.Equal(0UL, (await session.SwarmServiceAsync(service))?.Spec?.Mode?.Replicated?.Replicas);
        await session.WaitAsync(() => session.RunningTasksAsync(service), left => left.Count == 0, $"no task of {service} running");

        await session.MongoshAsync($"const r = db.services.deleteOne({{ _id: '{tenant}/web' }}); print('deleted ' + r.deletedCount);");
        await session.WaitAsync(() => session.SwarmServiceAsync(service), gone => gone is null, $"swarm service {service} removed");
    }

    [Fact]
    public async Task Describe_service_names_the_node_of_every_task_and_get_nodes_lists_the_swarm()
    {
        await using var session = await SwarmOperatorSession.StartAsync(lab.Lab, output);
        var tenant = session.Tenant;
        var service = SwarmOperatorSession.ServiceName(tenant, "web");
        await session.InsertServiceAsync(tenant, "web", new BsonDocument
        {
            ["image"] = Busybox,
            ["command"] = HttpdCommand,
            ["replicas"] = 3,
        });
        await session.WaitForPhaseAsync(tenant, "web", "Running", ready: 3);
        var tasks = await session.RunningTasksAsync(service);

        var described = await session.ZpmAsync("describe", "service", "web", "-t", tenant);
        Assert.Equal(0, described.ExitCode);
        foreach (var task in tasks)
        {
            var node = session.Lab.NodeById(task.NodeID ?? "");
            Assert.True(described.Output.Contains(node.Hostname, StringComparison.Ordinal) || described.Output.Contains(node.NodeId, StringComparison.Ordinal),
                $"describe service should name node {node.Hostname} ({node.NodeId}) of task {task.ID}:\n{described.Output}");
        }

        var nodes = await ZpmChildCommand.RunAsync(session.Environment, ["get", "nodes"]);
        output.WriteLine($"$ zpm get nodes → {nodes.ExitCode}\n{nodes.Output}{nodes.Error}");
        Assert.Equal(0, nodes.ExitCode);
        Assert.All(session.Lab.Nodes, node => Assert.Contains(node.Hostname, nodes.Output));
    }

    [Fact]
    public async Task An_env_change_rolls_one_task_at_a_time_starting_each_new_task_before_its_old_one_stops()
    {
        await using var session = await SwarmOperatorSession.StartAsync(lab.Lab, output);
        var tenant = session.Tenant;
        var service = SwarmOperatorSession.ServiceName(tenant, "roll");
        await session.InsertServiceAsync(tenant, "roll", new BsonDocument
        {
            ["image"] = Busybox,
            ["command"] = HttpdCommand,
            ["replicas"] = 3,
            ["env"] = new BsonDocument("VERSION", "1"),
            ["healthCheck"] = new BsonDocument { ["http"] = new BsonDocument { ["port"] = 8080, ["path"] = "/healthz" }, ["intervalSeconds"] = 1 },
            ["update"] = new BsonDocument { ["order"] = "start-first", ["parallelism"] = 1 },
        });
        await session.WaitForPhaseAsync(tenant, "roll", "Running", ready: 3);
        var updateConfig = (await session.SwarmServiceAsync(service))?.Spec?.UpdateConfig;
        Assert.NotNull(updateConfig);
        Assert.Equal("start-first", updateConfig.Order);
        Assert.Equal(1UL, updateConfig.Parallelism);

        // Sampling can miss a moment, never invent one: a dip below 3 running tasks seen here is a real one. A replaced
        // task keeps running until its stop grace period ends, so "at most one more" counts tasks Swarm still wants.
        using var stopSampling = new CancellationTokenSource();
        var samples = SampleAsync(async () => (await AllTasksAsync(session, service)).Count(SwarmOperatorSession.IsRunning), stopSampling.Token);
        var wanted = SampleAsync(async () => (await session.RunningTasksAsync(service)).Count, stopSampling.Token);
        await session.SetAsync(tenant, "roll", new BsonDocument("spec.env.VERSION", "2"));
        await session.WaitAsync(
            async () => (await session.RunningTasksAsync(service)).Select(Version).ToList(),
            versions => versions.Count == 3 && versions.All(version => version == "2"),
            "3 running tasks with VERSION=2");
        await session.WaitForPhaseAsync(tenant, "roll", "Running", ready: 3);
        await stopSampling.CancelAsync();
        var running = await samples;
        var runningAndWanted = await wanted;
        output.WriteLine("running tasks over the rollout: " + string.Join(" ", running));
        output.WriteLine("running tasks Swarm wants running: " + string.Join(" ", runningAndWanted));
        Assert.True(running.Min() >= 3, "start-first keeps 3 tasks running throughout; samples: " + string.Join(" ", running));
        Assert.True(runningAndWanted.Max() <= 4,
            "parallelism 1 starts at most one task more than desired; samples: " + string.Join(" ", runningAndWanted));

        // The task history tells the order: per slot, the old task stopped only after its successor ran, and each new
        // task was created only once the one before it ran.
        var all = await AllTasksAsync(session, service);
        var fresh = all.Where(task => Version(task) == "2" && SwarmOperatorSession.IsRunning(task))
            .OrderBy(StateChangedAt).ToList();
        Assert.Equal(3, fresh.Count);
        foreach (var task in fresh)
        {
            var predecessor = all.Where(old => old.Slot == task.Slot && Version(old) == "1").OrderBy(old => old.CreatedAt).LastOrDefault();
            Assert.NotNull(predecessor);
            Assert.True(StateChangedAt(predecessor) >= StateChangedAt(task),
                $"slot {task.Slot}: the old task stopped at {StateChangedAt(predecessor):O}, before its successor ran at {StateChangedAt(task):O}");
        }

        for (var i = 1; i < fresh.Count; i++)
        {
            Assert.True(fresh[i].CreatedAt >= StateChangedAt(fresh[i - 1]),
                $"task {fresh[i].ID} was created at {fresh[i].CreatedAt:O}, before task {fresh[i - 1].ID} ran at {StateChangedAt(fresh[i - 1]):O}");
        }
    }

    [Fact]
    public async Task A_new_image_that_never_gets_healthy_is_rolled_back_by_swarm_while_the_old_tasks_keep_serving()
    {
        await using var session = await SwarmOperatorSession.StartAsync(lab.Lab, output);
        var tenant = session.Tenant;
        var service = SwarmOperatorSession.ServiceName(tenant, "canary");
        // No command: each image's own (the unhealthy one serves on 8081, so the check on 8080 is refused at once and
        // never passes). The timeout and retries leave room for a check delayed by a loaded machine: Swarm would replace
        // an old task whose check timed out, and the test asserts that the old tasks run throughout.
        await session.InsertServiceAsync(tenant, "canary", new BsonDocument
        {
            ["image"] = Busybox,
            ["replicas"] = 2,
            ["healthCheck"] = new BsonDocument
            {
                ["http"] = new BsonDocument { ["port"] = 8080, ["path"] = "/healthz" },
                ["intervalSeconds"] = 1,
                ["timeoutSeconds"] = 5,
                ["retries"] = 3,
            },
            ["update"] = new BsonDocument { ["order"] = "start-first", ["parallelism"] = 1 },
        });
        await session.WaitForPhaseAsync(tenant, "canary", "Running", ready: 2);
        var oldTasks = await session.RunningTasksAsync(service);
        Assert.Equal(2, oldTasks.Count);

        using var stopSampling = new CancellationTokenSource();
        var oldRunning = SampleAsync(
            async () => (await session.RunningTasksAsync(service)).Count(task => oldTasks.Any(old => old.ID == task.ID)),
            stopSampling.Token);
        await session.SetAsync(tenant, "canary", new BsonDocument("spec.image", UnhealthyBusybox));
        var degraded = await session.WaitForServiceAsync(tenant, "canary",
            document => SwarmOperatorSession.Phase(document) == "Degraded"
                        && SwarmOperatorSession.ConditionReasons(document).Contains("RolledBack"),
            "Degraded with reason RolledBack");
        output.WriteLine("status: " + SwarmOperatorSession.Describe(degraded));
        var swarmService = await session.WaitAsync(
            () => session.SwarmServiceAsync(service),
            current => current?.UpdateStatus?.State == "rollback_completed",
            $"Swarm to finish rolling {service} back");
        await stopSampling.CancelAsync();
        var oldRunningSamples = await oldRunning;

        Assert.StartsWith(Busybox, swarmService?.Spec?.TaskTemplate?.ContainerSpec?.Image ?? "", StringComparison.Ordinal);
        Assert.True(oldRunningSamples.All(count => count == 2),
            "both old tasks run throughout the failed rollout; samples: " + string.Join(" ", oldRunningSamples));
        var nowRunning = await session.RunningTasksAsync(service);
        Assert.Equal(oldTasks.Select(task => task.ID).Order(), nowRunning.Select(task => task.ID).Order());
        foreach (var task in nowRunning)
        {
            var node = session.Lab.NodeById(task.NodeID ?? "");
            using var nodeClient = SwarmLab.CreateClient(node);
            Assert.True(
                await DockerReachability.CanConnectAsync(nodeClient, SwarmOperatorSession.ContainerId(task), "127.0.0.1", 8080),
                $"old task {task.ID} on {node.Hostname} does not answer on 8080");
        }

        var events = await session.Db.GetCollection<BsonDocument>("events")
            .Find(new BsonDocument { ["resource.tenant"] = tenant, ["resource.name"] = "canary", ["reason"] = "RolledBack" })
            .ToListAsync();
        Assert.NotEmpty(events);
        var after = await session.ServiceDocumentAsync(tenant, "canary");
        Assert.Equal("Degraded", SwarmOperatorSession.Phase(after!));
    }

    private static string Version(TaskResponse task) =>
        (task.Spec?.ContainerSpec?.Env ?? []).FirstOrDefault(variable => variable.StartsWith("VERSION=", StringComparison.Ordinal))?["VERSION=".Length..] ?? "";

    /// <summary>When the task last changed state: for a running task when it started running, for a stopped one when it stopped.</summary>
    private static DateTime StateChangedAt(TaskResponse task) => task.Status?.Timestamp ?? DateTime.MinValue;

    private static async Task<IList<TaskResponse>> AllTasksAsync(SwarmOperatorSession session, string service) =>
        await session.Run.Manager.Tasks.ListAsync(new TasksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["service"] = new Dictionary<string, bool> { [service] = true },
            },
        });

    /// <summary>Reads <paramref name="probe"/> about ten times a second until stopped; the values seen, in order.</summary>
    private static async Task<List<int>> SampleAsync(Func<Task<int>> probe, CancellationToken stop)
    {
        var samples = new List<int>();
        while (!stop.IsCancellationRequested)
        {
            samples.Add(await probe());
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return samples;
    }
}
