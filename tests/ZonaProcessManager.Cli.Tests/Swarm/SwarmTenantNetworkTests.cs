using System.Globalization;
using System.Net;
using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Swarm;

namespace ZonaProcessManager.Cli.Tests.Swarm;

/// <summary>
/// Tenants on the swarm: a tenant's integrations talk to each other across nodes over the tenant's overlay network and
/// cannot reach another tenant's; their host ports answer on the node that runs them; offboarding removes services,
/// the overlay network and the port allocations. Addresses and nc, not names: busybox-static's resolver crashes.
/// </summary>
[Collection(SwarmLabCollection.Name)]
public sealed class SwarmTenantNetworkTests(SwarmLabFixture lab, ITestOutputHelper output)
{
    private const int SiemPort = 8080;
    private const int EdrPort = 9090;

    [Fact]
    public async Task A_tenants_integrations_reach_each_other_across_nodes_but_not_another_tenant_and_offboarding_leaves_nothing()
    {
        await using var session = await SwarmOperatorSession.StartAsync(lab.Lab, output, tenantCount: 2);
        var (tenant, other) = (session.Tenants[0], session.Tenants[1]);
        Assert.Equal(0, (await session.ZpmStoreCommandAsync("apply", "-f", Path.Combine(SamplePaths.Directory, "catalog.yaml"))).ExitCode);
        Assert.Equal(0, (await session.ZpmStoreCommandAsync("tenant", "onboard", tenant, "-i", "siem-forwarder", "-i", "edr-connector",
            "-p", "api_url=https://siem.example", "-p", "api_key=lab-key", "-p", "client_id=lab", "-p", "client_secret=lab-secret")).ExitCode);
        Assert.Equal(0, (await session.ZpmStoreCommandAsync("tenant", "onboard", other, "-i", "siem-forwarder",
            "-p", "api_url=https://siem.example", "-p", "api_key=other-key")).ExitCode);
        await session.WaitForPhaseAsync(tenant, "siem-forwarder", "Running", ready: 1);
        await session.WaitForPhaseAsync(tenant, "edr-connector", "Running", ready: 1);
        await session.WaitForPhaseAsync(other, "siem-forwarder", "Running", ready: 1);

        var siem = await SingleTaskAsync(session, tenant, "siem-forwarder");
        var edr = await SingleTaskAsync(session, tenant, "edr-connector");
        var foreign = await SingleTaskAsync(session, other, "siem-forwarder");
        Assert.True(siem.NodeID != edr.NodeID,
            $"Swarm spreads a tenant's two integrations over an idle lab; both run on {siem.NodeID}, so the overlay is not crossed");

        var network = $"zpm-tenant-{tenant}";
        var edrAddress = OverlayAddress(edr, network);
        var siemAddress = OverlayAddress(siem, network);
        var foreignAddress = OverlayAddress(foreign, $"zpm-tenant-{other}");
        output.WriteLine($"{tenant}: siem {siemAddress} on {siem.NodeID}, edr {edrAddress} on {edr.NodeID}; {other}: siem {foreignAddress} on {foreign.NodeID}");

        Assert.True(await CanConnectAsync(session, siem, edrAddress, EdrPort), $"{tenant}'s siem cannot reach its edr at {edrAddress}:{EdrPort} across nodes");
        Assert.True(await CanConnectAsync(session, edr, siemAddress, SiemPort), $"{tenant}'s edr cannot reach its siem at {siemAddress}:{SiemPort} across nodes");
        Assert.False(await CanConnectAsync(session, foreign, edrAddress, EdrPort), $"{other}'s integration reaches {tenant}'s edr at {edrAddress}");
        Assert.False(await CanConnectAsync(session, siem, foreignAddress, SiemPort), $"{tenant}'s siem reaches {other}'s integration at {foreignAddress}");

        // Host ports are published in host mode: they answer on the node that runs the task.
        var allocations = session.Db.GetCollection<BsonDocument>("port_allocations");
        var siemPort = (await allocations.Find(new BsonDocument { ["tenant"] = tenant, ["integration"] = "siem-forwarder" }).SingleAsync())["port"].ToInt32();
        var siemNode = session.Lab.NodeById(siem.NodeID ?? "");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = string.Create(CultureInfo.InvariantCulture, $"http://{siemNode.Address}:{siemPort}/healthz");
        await session.WaitAsync(async () => (await http.GetAsync(url)).StatusCode, code => code == HttpStatusCode.OK, $"HTTP 200 from {url}");

        var offboarded = await session.ZpmStoreCommandAsync("tenant", "offboard", tenant, "--wait", "--timeout", "240");
        Assert.Equal(0, offboarded.ExitCode);
        var left = await session.WaitAsync(() => LeftoversAsync(session, tenant), found => found.Length == 0, $"nothing of tenant {tenant} left");
        Assert.Equal("", left);
        Assert.Single(await session.RunningTasksAsync(SwarmOperatorSession.ServiceName(other, "siem-forwarder")));
        Assert.Equal("Running", SwarmOperatorSession.Phase((await session.ServiceDocumentAsync(other, "siem-forwarder"))!));
    }

    private static async Task<TaskResponse> SingleTaskAsync(SwarmOperatorSession session, string tenant, string name)
    {
        var tasks = await session.WaitAsync(
            () => session.RunningTasksAsync(SwarmOperatorSession.ServiceName(tenant, name)),
            running => running.Count == 1,
            $"one running task of {tenant}/{name}");
        return tasks[0];
    }

    private static string OverlayAddress(TaskResponse task, string network) =>
        (task.NetworksAttachments ?? [])
            .Where(attachment => attachment.Network?.Spec?.Name == network)
            .SelectMany(attachment => attachment.Addresses ?? [])
            .Select(address => address.Split('/')[0])
            .FirstOrDefault()
        ?? throw new InvalidOperationException($"Task {task.ID} has no address on {network}.");

    private static async Task<bool> CanConnectAsync(SwarmOperatorSession session, TaskResponse from, string address, int port)
    {
        using var client = SwarmLab.CreateClient(session.Lab.NodeById(from.NodeID ?? ""));
        return await DockerReachability.CanConnectAsync(client, SwarmOperatorSession.ContainerId(from), address, port);
    }

    /// <summary>Everything of the tenant that offboarding must remove, one item each (empty when clean).</summary>
    private static async Task<string> LeftoversAsync(SwarmOperatorSession session, string tenant)
    {
        var left = new List<string>();
        var services = await session.Run.Manager.Swarm.ListServicesAsync(new ServiceListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true },
            },
        });
        left.AddRange(services.Select(service => "service " + service.Spec?.Name));
        var network = $"zpm-tenant-{tenant}";
        var networks = await session.Run.Manager.Networks.ListNetworksAsync(new NetworksListParameters());
        left.AddRange(networks.Where(candidate => candidate.Name == network).Select(candidate => "network " + candidate.Name));
        foreach (var (collection, filter) in new (string, BsonDocument)[]
                 {
                     ("port_allocations", new BsonDocument("tenant", tenant)),
                     ("tenants", new BsonDocument("metadata.name", tenant)),
                     ("integrations", new BsonDocument("metadata.tenant", tenant)),
                     ("services", new BsonDocument("metadata.tenant", tenant)),
                 })
        {
            var count = await session.Db.GetCollection<BsonDocument>(collection).CountDocumentsAsync(filter);
            if (count > 0)
            {
                left.Add($"{count} {collection} document(s)");
            }
        }

        return string.Join("; ", left);
    }
}
