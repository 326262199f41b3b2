using MongoDB.Bson;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// Specs asking for the host or another tenant, written straight into a database without validators (as a document
/// that bypassed validation would be): the operator refuses them, creates nothing for them and runs the rest.
/// </summary>
[Collection(OperatorIntegrationCollection.Name)]
public sealed class IsolationOnDockerTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly OperatorUnderTest _operator = new(docker, mongo, output, tenants: 2);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _operator.DisposeAsync();

    private BsonDocument Service(string name, Action<BsonDocument> change, string? tenant = null)
    {
        var document = _operator.ServiceDocument(name);
        if (tenant is not null)
        {
            document["_id"] = $"{tenant}/{name}";
            document["metadata"]["tenant"] = tenant;
        }

        change(document["spec"].AsBsonDocument);
        return document;
    }

    [Fact]
    public async Task Host_takeover_specs_are_Degraded_with_the_rule_and_get_no_container_while_others_run()
    {
        await _operator.StartAsync();
        var refused = new Dictionary<string, string>
        {
            ["root"] = "spec.volumes[0].hostPath: '/'",
            ["socket"] = "spec.volumes[0].hostPath: '/var/run/docker.sock'",
            ["bind-opts"] = "spec.volumes[0].driverOpts: device '/'",
            ["all-ips"] = "spec.ports[0].hostIp: '0.0.0.0' is not allowed",
        };
        await _operator.InsertAsync(Service("root", s => s["volumes"] = new BsonArray { new BsonDocument { ["hostPath"] = "/", ["target"] = "/host" } }));
        await _operator.InsertAsync(Service("socket", s => s["volumes"] = new BsonArray { new BsonDocument { ["hostPath"] = "/var/run/docker.sock", ["target"] = "/docker.sock" } }));
        var volume = docker.NewName("hostroot");
        await _operator.InsertAsync(Service("bind-opts", s => s["volumes"] = new BsonArray
        {
            new BsonDocument { ["name"] = volume, ["target"] = "/host", ["driverOpts"] = new BsonDocument { ["type"] = "none", ["o"] = "bind", ["device"] = "/" } },
        }));
        await _operator.InsertAsync(Service("all-ips", s => s["ports"] = new BsonArray { new BsonDocument { ["container"] = 8080, ["host"] = "auto", ["hostIp"] = "0.0.0.0" } }));
        await _operator.InsertAsync(_operator.ServiceDocument("good"));

        await _operator.WaitRunningAsync("good", 1);
        foreach (var (name, rule) in refused)
        {
            var status = await _operator.WaitForAsync(name, s => s.Phase == ResourcePhase.Degraded, "Degraded");
            Assert.Contains(rule, status.Message);
            Assert.Empty(await _operator.ContainersAsync(name));
        }

        var volumes = await docker.Client.Volumes.ListAsync(CancellationToken.None);
        Assert.DoesNotContain(volumes.Volumes ?? [], v => v.Name == volume);
    }

    [Fact]
    public async Task A_service_cannot_land_on_another_tenants_network()
    {
        var (tenantA, tenantB) = (_operator.Tenants[0], _operator.Tenants[1]);
        var shared = docker.NewName("shared");
        await _operator.StartAsync();

        // Tenant B's service creates a network of its own; tenant A names it, and tenant B's tenant network, too.
        await _operator.InsertAsync(Service("owner", s => s["networks"] = new BsonArray { shared }, tenant: tenantB));
        await Eventually.TrueAsync(
            async () => (await _operator.Store.GetAsync(new ResourceKey(ServiceSpec.KindName, tenantB, "owner"), CancellationToken.None))?.Status?.Phase == ResourcePhase.Running,
            OperatorUnderTest.Deadline,
            "tenant B's service Running on its network");
        await _operator.InsertAsync(Service("intruder", s => s["networks"] = new BsonArray { shared }));
        await _operator.InsertAsync(Service("neighbour", s => s["networks"] = new BsonArray { Tenant.NetworkNameFor(tenantB) }));

        var intruder = await _operator.WaitForAsync("intruder", s => s.Phase == ResourcePhase.Degraded && s.LastError is not null, "Degraded by Docker's refusal");
        var neighbour = await _operator.WaitForAsync("neighbour", s => s.Phase == ResourcePhase.Degraded, "Degraded");

        Assert.Contains("belongs to another tenant", intruder.LastError);
        Assert.Contains("is another tenant's network", neighbour.Message);
        Assert.Empty(await _operator.ContainersAsync("intruder"));
        Assert.Empty(await _operator.ContainersAsync("neighbour"));
        var networks = await docker.Client.Networks.ListNetworksAsync(new global::Docker.DotNet.Models.NetworksListParameters());
        Assert.Equal(tenantB, Assert.Single(networks, n => n.Name == shared).Labels[ZpmLabels.Tenant]);
        Assert.DoesNotContain(networks, n => n.Name == Tenant.NetworkNameFor(tenantB) && n.Labels.TryGetValue(ZpmLabels.Tenant, out var t) && t == tenantA);
    }
}
