using Docker.DotNet.Models;
using MongoDB.Bson;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Swarm;

namespace ZonaProcessManager.Cli.Tests.Swarm;

/// <summary>
/// Nodes going away under a running ServiceSpec: drained by an operator, or their dockerd stopped as in a machine
/// failure. Each test puts the lab back (node active, dockerd running, rejoined) before it ends, also when it fails.
/// </summary>
[Collection(SwarmLabCollection.Name)]
public sealed class SwarmNodeFailureTests(SwarmLabFixture lab, ITestOutputHelper output)
{
    private static readonly BsonArray HttpdCommand = ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"];

    [Fact]
    public async Task Draining_a_node_moves_its_tasks_to_the_others_and_the_service_is_running_again()
    {
        await using var session = await SwarmOperatorSession.StartAsync(lab.Lab, output);
        var tenant = session.Tenant;
        var service = SwarmOperatorSession.ServiceName(tenant, "drain");
        await session.InsertServiceAsync(tenant, "drain", new BsonDocument
        {
            ["image"] = DockerTestEnvironment.BusyboxImage,
            ["command"] = HttpdCommand,
            ["replicas"] = 3,
        });
        await session.WaitForPhaseAsync(tenant, "drain", "Running", ready: 3);
        var before = await session.RunningTasksAsync(service);
        var drained = session.Lab.Workers.FirstOrDefault(node => before.Any(task => task.NodeID == node.NodeId))
                      ?? throw new InvalidOperationException("no worker runs a task of " + service);
        try
        {
            await SetAvailabilityAsync(session, drained, "drain");

            var after = await session.WaitAsync(
                () => session.RunningTasksAsync(service),
                tasks => tasks.Count == 3 && tasks.All(task => task.NodeID != drained.NodeId),
                $"3 tasks of {service} running off the drained node {drained.Hostname}");
            var status = await session.WaitForServiceAsync(tenant, "drain",
                document => SwarmOperatorSession.Phase(document) == "Running" && SwarmOperatorSession.Ready(document) == 3
                            && session.StatusNodes(document).All(node => node is not null && node.NodeId != drained.NodeId),
                $"Running with 3 ready, none on {drained.Hostname}");
            output.WriteLine("status: " + SwarmOperatorSession.Describe(status));
            Assert.Equal(after.Select(task => task.NodeID).Order(), session.StatusNodes(status).Select(node => node?.NodeId).Order());
        }
        finally
        {
            await SetAvailabilityAsync(session, drained, "active");
            await lab.RestoreAsync();
        }
    }

    [Fact]
    public async Task A_stopped_worker_leaves_the_service_degraded_until_its_tasks_may_run_on_the_other_nodes()
    {
        await using var session = await SwarmOperatorSession.StartAsync(lab.Lab, output);
        var tenant = session.Tenant;
        var service = SwarmOperatorSession.ServiceName(tenant, "failover");
        // One task per node: when a node goes, its task has nowhere to go until the placement allows two per node.
        // Without the cap Swarm would place the replacement within a second of noticing the node is down, too quickly
        // for any observer to see the gap.
        await session.InsertServiceAsync(tenant, "failover", new BsonDocument
        {
            ["image"] = DockerTestEnvironment.BusyboxImage,
            ["command"] = HttpdCommand,
            ["replicas"] = 3,
            ["placement"] = new BsonDocument("maxReplicasPerNode", 1),
        });
        await session.WaitForPhaseAsync(tenant, "failover", "Running", ready: 3);
        Assert.Equal(3, (await session.RunningTasksAsync(service)).Select(task => task.NodeID).Distinct().Count());
        var stopped = session.Lab.Workers.Last();
        try
        {
            await SwarmLab.StopNodeAsync(stopped);

            var degraded = await session.WaitForPhaseAsync(tenant, "failover", "Degraded");
            output.WriteLine("status with the node stopped: " + SwarmOperatorSession.Describe(degraded));
            Assert.True(SwarmOperatorSession.Ready(degraded) < 3, "Degraded yet 3 ready: " + SwarmOperatorSession.Describe(degraded));

            await session.SetAsync(tenant, "failover", new BsonDocument("spec.placement.maxReplicasPerNode", 2));
            var tasks = await session.WaitAsync(
                () => session.RunningTasksAsync(service),
                running => running.Count == 3 && running.All(task => task.NodeID != stopped.NodeId),
                $"3 tasks of {service} running on the nodes left");
            var status = await session.WaitForPhaseAsync(tenant, "failover", "Running", ready: 3);
            output.WriteLine("status on the nodes left: " + SwarmOperatorSession.Describe(status));
            Assert.DoesNotContain(session.StatusNodes(status), node => node is null || node.NodeId == stopped.NodeId);
            Assert.True(tasks.Select(task => task.NodeID).Distinct().Count() == 2, "3 tasks over the 2 nodes left");
        }
        finally
        {
            await lab.RestoreAsync();
        }
    }

    private static async Task SetAvailabilityAsync(SwarmOperatorSession session, SwarmLabNode node, string availability)
    {
        var current = await session.Run.Manager.Swarm.InspectNodeAsync(node.NodeId);
        var spec = current.Spec ?? new NodeUpdateParameters();
        await session.Run.Manager.Swarm.UpdateNodeAsync(node.NodeId, current.Version?.Index ?? 0, new NodeUpdateParameters
        {
            Name = spec.Name,
            Labels = spec.Labels,
            Role = spec.Role,
            Availability = availability,
        });
    }
}
