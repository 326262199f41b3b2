using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// Tenants and integrations on the real Docker Engine and the Mongo test target: tenants and integrations written as plain documents
/// (the way mongosh or a provisioning script writes them) become running, port-mapped, tenant-isolated containers.
/// </summary>
[Collection(OperatorIntegrationCollection.Name)]
public sealed class IntegrationsOnDockerTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Connectors = ["alpha", "bravo", "charlie"];
    private readonly OperatorUnderTest _operator = new(docker, mongo, output, tenants: 2);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private IMongoCollection<BsonDocument> Catalog => _operator.Database.GetCollection<BsonDocument>(ZpmCollections.Catalog);

    private IMongoCollection<BsonDocument> Tenants => _operator.Database.GetCollection<BsonDocument>(ZpmCollections.Tenants);

    private IMongoCollection<BsonDocument> IntegrationDocuments => _operator.Database.GetCollection<BsonDocument>(ZpmCollections.Integrations);

    public async Task InitializeAsync()
    {
        await new SchemaInstaller(_operator.Database).InstallAsync(CancellationToken.None);
        for (var i = 0; i < Connectors.Length; i++)
        {
            await Catalog.InsertOneAsync(CatalogEntry(Connectors[i], 101 + i, DockerTestEnvironment.BusyboxImage));
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _operator.DisposeAsync();
    }

    private static BsonDocument CatalogEntry(string name, int id, string image) => new()
    {
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "IntegrationDefinition",
        ["metadata"] = new BsonDocument("name", name),
        ["spec"] = new BsonDocument
        {
            ["integration_id"] = id,
            ["title"] = $"{name} connector",
            ["executable"] = name,
            ["image"] = image,
            ["ports"] = new BsonArray { new BsonDocument { ["name"] = "http", ["container"] = DockerTestEnvironment.BusyboxHttpPort } },
            ["parameters"] = new BsonArray
            {
                new BsonDocument { ["name"] = "region", ["env"] = "REGION", ["required"] = true },
                new BsonDocument { ["name"] = "token", ["env"] = "API_TOKEN", ["required"] = true, ["secret"] = true },
            },
            ["healthCheck"] = new BsonDocument
            {
                ["http"] = new BsonDocument { ["port"] = DockerTestEnvironment.BusyboxHttpPort, ["path"] = "/healthz" },
                ["intervalSeconds"] = 1,
                ["timeoutSeconds"] = 1,
                ["retries"] = 3,
            },
        },
    };

    /// <summary>Onboarding exactly as a mongosh script does it: plain inserts, ObjectId `_id`s.</summary>
    private async Task OnboardAsync(string tenant)
    {
        await Tenants.InsertOneAsync(new BsonDocument
        {
            ["apiVersion"] = "zpm/v1",
            ["kind"] = "Tenant",
            ["metadata"] = new BsonDocument("name", tenant),
            ["spec"] = new BsonDocument { ["displayName"] = $"Tenant {tenant}", ["suspended"] = false },
        });
        for (var i = 0; i < Connectors.Length; i++)
        {
            await IntegrationDocuments.InsertOneAsync(new BsonDocument
            {
                ["apiVersion"] = "zpm/v1",
                ["kind"] = "IntegrationSpec",
                ["metadata"] = new BsonDocument { ["name"] = Connectors[i], ["tenant"] = tenant },
                ["spec"] = new BsonDocument
                {
                    ["integration_id"] = 101 + i,
                    ["parameters"] = new BsonDocument { ["region"] = "eu", ["token"] = $"secret-{tenant}-{i}" },
                },
            });
        }
    }

    private async Task<IntegrationStatus> WaitIntegrationAsync(string tenant, string name, Func<IntegrationStatus, bool> condition, string what)
    {
        IntegrationStatus? matched = null;
        await Eventually.TrueAsync(
            async () => (matched = (await _operator.Integrations.GetIntegrationAsync(IntegrationKeys.Integration(tenant, name), CancellationToken.None))?.Status is { } s && condition(s) ? s : null) is not null,
            OperatorUnderTest.Deadline,
            $"{tenant}/{name}: {what}");
        return matched!;
    }

    private Task<IntegrationStatus> WaitRunningAsync(string tenant, string name) =>
        WaitIntegrationAsync(tenant, name, s => s.Phase == ResourcePhase.Running && s.Ports.Count == 1, "Running with its port");

    private async Task<Dictionary<(string Tenant, string Name), int>> WaitAllRunningAsync()
    {
        var ports = new Dictionary<(string, string), int>();
        foreach (var tenant in _operator.Tenants)
        {
            foreach (var name in Connectors)
            {
                ports[(tenant, name)] = (await WaitRunningAsync(tenant, name)).Ports.Single().Host;
            }
        }

        return ports;
    }

    private async Task<IReadOnlyList<ObservedContainer>> ContainersOfAsync(string tenant) =>
        [.. (await _operator.Docker.ListAsync(null, CancellationToken.None)).Where(c => c.Owner.Tenant == tenant)];

    private async Task WaitUntilServesAsync(int port) =>
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    return (await _http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            served => served,
            OperatorUnderTest.Deadline,
            $"HTTP on 127.0.0.1:{port}");

    [Fact]
    public async Task Two_tenants_with_three_integrations_each_serve_http_on_six_distinct_ports_and_cannot_reach_each_other()
    {
        await _operator.StartAsync();
        var (a, b) = (_operator.Tenants[0], _operator.Tenants[1]);
        await OnboardAsync(a);
        await OnboardAsync(b);

        var ports = await WaitAllRunningAsync();

        Assert.Equal(6, ports.Values.Distinct().Count());
        Assert.All(ports.Values, port => Assert.True(_operator.Settings.IntegrationPorts.Contains(port), $"{port} outside {_operator.Settings.IntegrationPorts}"));
        foreach (var port in ports.Values)
        {
            await WaitUntilServesAsync(port);
        }

        var allocations = await _operator.Integrations.ListPortAllocationsAsync(null, CancellationToken.None);
        Assert.Equal(ports.Values.Order(), allocations.Select(p => p.Port).Order());
        await Eventually.TrueAsync(
            async () => (await _operator.Integrations.GetTenantAsync(a, CancellationToken.None))?.Status is { Phase: ResourcePhase.Running, Integrations: { Desired: 3, Running: 3 } },
            OperatorUnderTest.Deadline, "tenant A Running 3/3");

        // Every container carries zpm.owner and sits only on its tenant's network.
        var containersA = await ContainersOfAsync(a);
        Assert.Equal(3, containersA.Count);
        var inspected = await docker.Client.Containers.InspectContainerAsync(containersA[0].Id);
        Assert.Equal($"IntegrationSpec/{a}/{containersA[0].Owner.Name}", inspected.Config!.Labels[ZpmLabels.Owner]);
        Assert.Equal([$"zpm-tenant-{a}"], inspected.NetworkSettings!.Networks.Keys);

        // Same tenant by service name works; the other tenant's container by address does not.
        var clientA = containersA.Single(c => c.Owner.Name == "alpha").Id;
        await Poll.UntilAsync(() => DockerReachability.CanConnectAsync(docker.Client, clientA, "bravo", DockerTestEnvironment.BusyboxHttpPort),
            reached => reached, OperatorUnderTest.Deadline, "tenant A's alpha to reach tenant A's bravo by name");
        var bravoB = (await ContainersOfAsync(b)).Single(c => c.Owner.Name == "bravo").Id;
        var ipBravoB = await DockerReachability.IpAddressAsync(docker.Client, bravoB, $"zpm-tenant-{b}");
        Assert.False(await DockerReachability.CanConnectAsync(docker.Client, clientA, ipBravoB, DockerTestEnvironment.BusyboxHttpPort),
            "tenant A reached tenant B's container");
    }

    [Fact]
    public async Task A_restart_keeps_ports_and_containers_and_suspend_then_resume_brings_the_services_back_on_the_same_ports()
    {
        await _operator.StartAsync();
        var a = _operator.Tenants[0];
        await OnboardAsync(a);
        var before = new Dictionary<string, int>();
        foreach (var name in Connectors)
        {
            before[name] = (await WaitRunningAsync(a, name)).Ports.Single().Host;
        }

        var containers = (await ContainersOfAsync(a)).Select(c => c.Id).Order().ToList();
        await _operator.StopAsync();
        await _operator.StartAsync();
        await _operator.WaitStartupResyncDoneAsync();
        foreach (var name in Connectors)
        {
            Assert.Equal(before[name], (await WaitRunningAsync(a, name)).Ports.Single().Host);
        }

        Assert.Equal(containers, (await ContainersOfAsync(a)).Select(c => c.Id).Order().ToList());

        await Tenants.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("metadata.name", a), Builders<BsonDocument>.Update.Set("spec.suspended", true));
        await Eventually.TrueAsync(async () => (await ContainersOfAsync(a)).Count == 0, OperatorUnderTest.Deadline, "suspended tenant has no containers");
        Assert.Equal(3, (await _operator.Integrations.ListPortAllocationsAsync(a, CancellationToken.None)).Count);

        await Tenants.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("metadata.name", a), Builders<BsonDocument>.Update.Set("spec.suspended", false));
        foreach (var name in Connectors)
        {
            Assert.Equal(before[name], (await WaitIntegrationAsync(a, name, s => s.Phase == ResourcePhase.Running, "Running again")).Ports.Single().Host);
        }

        await Eventually.TrueAsync(async () => (await ContainersOfAsync(a)).Count == 3, OperatorUnderTest.Deadline, "three containers again");
        await WaitUntilServesAsync(before["alpha"]);
    }

    [Fact]
    public async Task A_catalog_image_change_rolls_the_service_of_every_tenant()
    {
        await _operator.StartAsync();
        var (a, b) = (_operator.Tenants[0], _operator.Tenants[1]);
        await OnboardAsync(a);
        await OnboardAsync(b);
        await WaitAllRunningAsync();
        var oldAlpha = (await ContainersOfAsync(a)).Concat(await ContainersOfAsync(b)).Where(c => c.Owner.Name == "alpha").Select(c => c.Id).ToList();

        // The same image by its id is a different image reference: a new connector version as far as the spec goes.
        var imageId = (await docker.Client.Images.InspectImageAsync(DockerTestEnvironment.BusyboxImage)).ID;
        await Catalog.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("metadata.name", "alpha"), Builders<BsonDocument>.Update.Set("spec.image", imageId));

        foreach (var tenant in _operator.Tenants)
        {
            var child = new ResourceKey(ServiceSpec.KindName, tenant, "alpha");
            await Eventually.TrueAsync(
                async () => (await _operator.Store.GetAsync(child, CancellationToken.None))?.Spec?.Spec.Image == imageId,
                OperatorUnderTest.Deadline, $"{tenant}/alpha spec has the new image");
            await Eventually.TrueAsync(
                async () => (await ContainersOfAsync(tenant)).Where(c => c.Owner.Name == "alpha").ToList() is [var replacement] && !oldAlpha.Contains(replacement.Id)
                    && (await _operator.Store.GetAsync(child, CancellationToken.None))?.Status is { Phase: ResourcePhase.Running, Replicas.Ready: 1 },
                OperatorUnderTest.Deadline, $"{tenant}/alpha replaced by one Running replica");
        }

        // The other integrations were not touched.
        Assert.Equal(4, (await ContainersOfAsync(a)).Concat(await ContainersOfAsync(b)).Count(c => c.Owner.Name != "alpha"));
    }

    [Fact]
    public async Task Offboarding_and_deleting_a_tenant_document_both_remove_containers_network_allocations_and_documents()
    {
        await _operator.StartAsync();
        var (a, b) = (_operator.Tenants[0], _operator.Tenants[1]);
        await OnboardAsync(a);
        await OnboardAsync(b);
        await WaitAllRunningAsync();

        // A: the `zpm tenant offboard` way (phase Removed while it lasts); B: a plain mongosh deleteOne.
        await Tenants.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("metadata.name", a), Builders<BsonDocument>.Update.Set("metadata.deletionRequested", true));
        await Tenants.DeleteOneAsync(Builders<BsonDocument>.Filter.Eq("metadata.name", b));

        foreach (var tenant in _operator.Tenants)
        {
            await Eventually.TrueAsync(async () => await _operator.Integrations.GetTenantAsync(tenant, CancellationToken.None) is null
                    && (await _operator.Integrations.ListIntegrationsAsync(tenant, CancellationToken.None)).Count == 0
                    && (await _operator.Integrations.ListChildServicesAsync(tenant, CancellationToken.None)).Count == 0
                    && (await ContainersOfAsync(tenant)).Count == 0
                    && (await _operator.Integrations.ListPortAllocationsAsync(tenant, CancellationToken.None)).Count == 0,
                OperatorUnderTest.Deadline, $"nothing of tenant {tenant} left in the store or Docker");
            var networks = await docker.Client.Networks.ListNetworksAsync(new global::Docker.DotNet.Models.NetworksListParameters());
            Assert.DoesNotContain(networks, n => n.Name == $"zpm-tenant-{tenant}");
        }

        // The order of the stages is the TenantReconciler unit tests' subject; here: each stage was reported.
        var stages = (await _operator.Store.ListEventsAsync(IntegrationKeys.Tenant(a), 50, CancellationToken.None)).Select(e => e.Reason).ToHashSet();
        Assert.Superset(new HashSet<string> { "DeleteIntegrations", "RemoveNetwork", "ReleasePorts", "DeleteTenant" }, stages);
    }

    [Fact]
    public async Task Bad_integrations_get_a_clear_status_and_no_container_and_validators_refuse_malformed_documents()
    {
        await _operator.StartAsync();
        var a = _operator.Tenants[0];
        await OnboardAsync(a);
        await WaitRunningAsync(a, "alpha");

        await IntegrationDocuments.InsertOneAsync(new BsonDocument
        {
            ["kind"] = "IntegrationSpec",
            ["metadata"] = new BsonDocument { ["name"] = "unknown", ["tenant"] = a },
            ["spec"] = new BsonDocument { ["integration_id"] = 999 },
        });
        await IntegrationDocuments.InsertOneAsync(new BsonDocument
        {
            ["kind"] = "IntegrationSpec",
            ["metadata"] = new BsonDocument { ["name"] = "no-region", ["tenant"] = a },
            ["spec"] = new BsonDocument { ["integration_id"] = 102, ["parameters"] = new BsonDocument("token", "t") },
        });
        var malformed = await Assert.ThrowsAsync<MongoWriteException>(() => IntegrationDocuments.InsertOneAsync(new BsonDocument
        {
            ["kind"] = "IntegrationSpec",
            ["metadata"] = new BsonDocument { ["name"] = "malformed", ["tenant"] = a },
            ["spec"] = new BsonDocument { ["integration_id"] = "one-hundred", ["parameters"] = "region=eu" },
        }));
        Assert.Equal(121, malformed.WriteError.Code);

        Assert.Contains("unknown integration_id 999", (await WaitIntegrationAsync(a, "unknown", s => s.Phase == ResourcePhase.Degraded, "Degraded")).Message);
        var missing = await WaitIntegrationAsync(a, "no-region", s => s.Phase == ResourcePhase.Degraded, "Degraded");
        Assert.Contains("missing required parameter 'region'", missing.Message);
        Assert.DoesNotContain((await ContainersOfAsync(a)), c => c.Owner.Name is "unknown" or "no-region");
        Assert.Equal(ResourcePhase.Running, (await WaitRunningAsync(a, "alpha")).Phase);
    }
}
