using Docker.DotNet.Models;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Swarm;

namespace ZonaProcessManager.Cli.Tests.Swarm;

/// <summary>
/// The lab the Swarm tests stand on, checked through Docker alone: three ready nodes with their zone labels and the
/// project's images, tasks placed by those labels, and an overlay network that carries traffic between nodes.
/// </summary>
[Collection(SwarmLabCollection.Name)]
public sealed class SwarmLabTests(SwarmLabFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_lab_is_one_manager_and_two_workers_each_with_its_zone_label_and_the_project_images()
    {
        var lab = fixture.Lab;
        using var manager = lab.CreateManagerClient();
        var nodes = await manager.Swarm.ListNodesAsync();

        Assert.Equal(lab.Nodes.Select(node => node.NodeId).Order(), nodes.Select(node => node.ID).Order());
        Assert.All(nodes, node => Assert.Equal("ready", node.Status?.State));
        Assert.Equal(["manager", "worker", "worker"], lab.Nodes.Select(node => node.Role));
        foreach (var node in lab.Nodes)
        {
            var listed = nodes.Single(candidate => candidate.ID == node.NodeId);
            Assert.Equal(node.Zone, listed.Spec?.Labels?[SwarmLab.ZoneLabel]);
            Assert.Equal(node.Hostname, listed.Description?.Hostname);
            using var client = SwarmLab.CreateClient(node);
            foreach (var image in new[] { DockerTestEnvironment.BusyboxImage, DockerTestEnvironment.UnhealthyBusyboxImage })
            {
                await client.Images.InspectImageAsync(image);
            }
        }
    }

    [Fact]
    public async Task Tasks_placed_on_two_zones_reach_each_other_over_an_overlay_network_and_go_with_the_run()
    {
        var lab = fixture.Lab;
        var run = new SwarmTestRun(lab);
        var network = run.NewName("net");
        string[] services = [run.NewName("zone1"), run.NewName("zone3")];
        await using (run)
        {
            await run.Manager.Networks.CreateNetworkAsync(new NetworksCreateParameters
            {
                Name = network,
                Driver = "overlay",
                Attachable = true,
                Labels = new Dictionary<string, string>(run.RunLabels),
            });
            foreach (var (service, zone) in services.Zip(["zone-1", "zone-3"]))
            {
                await run.Manager.Swarm.CreateServiceAsync(new ServiceCreateParameters
                {
                    Service = new ServiceSpec
                    {
                        Name = service,
                        Labels = new Dictionary<string, string>(run.RunLabels),
                        Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = 1 } },
                        TaskTemplate = new TaskSpec
                        {
                            ContainerSpec = new ContainerSpec
                            {
                                Image = DockerTestEnvironment.BusyboxImage,
                                Command = ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"],
                            },
                            Placement = new Placement { Constraints = [$"node.labels.{SwarmLab.ZoneLabel}=={zone}"] },
                            Networks = [new NetworkAttachmentConfig { Target = network }],
                        },
                    },
                });
            }

            var tasks = new List<TaskResponse>();
            foreach (var service in services)
            {
                var running = await Poll.UntilAsync(
                    async () => (await run.Manager.Tasks.ListAsync(new TasksListParameters
                    {
                        Filters = new Dictionary<string, IDictionary<string, bool>>
                        {
                            ["service"] = new Dictionary<string, bool> { [service] = true },
                            ["desired-state"] = new Dictionary<string, bool> { ["running"] = true },
                        },
                    })).Where(task => task.Status?.State == TaskState.Running).ToList(),
                    found => found.Count == 1,
                    TimeSpan.FromSeconds(120),
                    $"one running task of {service}");
                tasks.Add(running[0]);
            }

            Assert.Equal(lab.Nodes[0].NodeId, tasks[0].NodeID);
            Assert.Equal(lab.Nodes[2].NodeId, tasks[1].NodeID);
            var target = tasks[1].NetworksAttachments?.Single(attachment => attachment.Network?.Spec?.Name == network).Addresses?[0].Split('/')[0]
                         ?? throw new InvalidOperationException("no overlay address");
            output.WriteLine($"{services[0]} on {lab.Nodes[0].Hostname} → {target}:8080 on {lab.Nodes[2].Hostname}");
            using var node1 = SwarmLab.CreateClient(lab.Nodes[0]);
            Assert.True(await DockerReachability.CanConnectAsync(node1, tasks[0].Status?.ContainerStatus?.ContainerID ?? "", target, 8080));
        }

        using var manager = lab.CreateManagerClient();
        var left = (await manager.Swarm.ListServicesAsync()).Where(service => run.Owns(service.Spec?.Name ?? "", service.Spec?.Labels)).ToList();
        Assert.Empty(left);
        Assert.DoesNotContain(await manager.Networks.ListNetworksAsync(new NetworksListParameters()), candidate => candidate.Name == network);
    }
}
