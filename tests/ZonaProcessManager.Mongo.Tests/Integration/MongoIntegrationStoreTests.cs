using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Policy;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Mongo.Tests.Documents;
using ZonaProcessManager.Mongo.Tests.Mapping;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>The store against an installed database (validators on), so every write it makes is also schema-valid.</summary>
public sealed class MongoIntegrationStoreTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly DateTimeOffset Time = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private async Task<(TestDatabase Database, MongoIntegrationStore Store)> InstalledAsync()
    {
        var database = target.CreateDatabase(output);
        // ServiceSpecDocumentsTests.FullSpec mounts /tmp and publishes on 0.0.0.0, which only an allow-list admits.
        var isolation = IsolationPolicy.Create(["/tmp"], ["0.0.0.0"]);
        await new SchemaInstaller(database.Database, isolation: isolation).InstallAsync(None);
        return (database, new MongoIntegrationStore(database.Database));
    }

    [Fact]
    public async Task Catalog_tenants_and_integrations_are_listed_and_found_by_key()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        await store.Catalog.InsertManyAsync([IntegrationDocuments.Definition("sentinel", 7), IntegrationDocuments.Definition("crowd", 8, ObjectId.GenerateNewId())]);
        await store.Tenants.InsertManyAsync([IntegrationDocuments.Tenant("acme"), IntegrationDocuments.Tenant("globex", ObjectId.GenerateNewId())]);
        await store.Integrations.InsertManyAsync(
        [
            IntegrationDocuments.Integration("sentinel", "acme"),
            IntegrationDocuments.Integration("crowd", "acme", 8),
            IntegrationDocuments.Integration("sentinel", "globex", id: ObjectId.GenerateNewId()),
        ]);

        var catalog = await store.ListCatalogAsync(None);
        var tenants = await store.ListTenantsAsync(None);
        var all = await store.ListIntegrationsAsync(null, None);
        var acme = await store.ListIntegrationsAsync("acme", None);

        Assert.Equal([IntegrationKeys.Definition("crowd"), IntegrationKeys.Definition("sentinel")], catalog.Select(entry => entry.Key));
        Assert.All(catalog, entry => Assert.NotNull(entry.Definition));
        Assert.Equal(["acme", "globex"], tenants.Select(tenant => tenant.Tenant!.Code));
        Assert.Equal(3, all.Count);
        Assert.Equal([IntegrationKeys.Integration("acme", "crowd"), IntegrationKeys.Integration("acme", "sentinel")], acme.Select(integration => integration.Key));
        Assert.Equal("globex", (await store.GetTenantAsync("globex", None))!.Tenant!.Code);
        Assert.Null(await store.GetTenantAsync("initech", None));
        Assert.Equal(7, (await store.GetIntegrationAsync(IntegrationKeys.Integration("globex", "sentinel"), None))!.Integration!.Spec.IntegrationId);
        Assert.Null(await store.GetIntegrationAsync(IntegrationKeys.Integration("globex", "crowd"), None));
    }

    [Fact]
    public async Task A_document_that_bypassed_the_validator_is_listed_with_its_reason_next_to_the_good_ones()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoIntegrationStore(database.Database);
        var bad = IntegrationDocuments.Integration("broken");
        bad["spec"]["parameters"] = new BsonArray { "apiUrl=x" };
        await store.Integrations.InsertManyAsync([bad, IntegrationDocuments.Integration("sentinel")]);

        var all = await store.ListIntegrationsAsync("acme", None);

        Assert.Contains("malformed parameters", all.Single(integration => integration.Key.Name == "broken").InvalidReason);
        Assert.NotNull(all.Single(integration => integration.Key.Name == "sentinel").Integration);
    }

    [Fact]
    public async Task Status_writes_replace_only_status_and_never_carry_parameter_values()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        await store.Tenants.InsertOneAsync(IntegrationDocuments.Tenant("acme", ObjectId.GenerateNewId()));
        await store.Integrations.InsertOneAsync(IntegrationDocuments.Integration());
        var key = IntegrationKeys.Integration("acme", "sentinel");
        var integrationStatus = new IntegrationStatus
        {
            Phase = ResourcePhase.Running,
            Service = "sentinel",
            Ports = [new AllocatedPort("http", 8080, 20001)],
            Conditions = [new Condition("Ready", true, "AllHealthy", "ok", Time)],
            UpdatedAt = Time,
        };

        await store.WriteTenantStatusAsync("acme", new TenantStatus { Phase = ResourcePhase.Running, Integrations = new(1, 1), Network = "zpm-tenant-acme", UpdatedAt = Time }, None);
        await store.WriteIntegrationStatusAsync(key, integrationStatus, None);
        await store.WriteIntegrationStatusAsync(key, integrationStatus with { Message = "second write" }, None);

        var tenant = await store.GetTenantAsync("acme", None);
        var integration = await store.GetIntegrationAsync(key, None);
        var raw = await store.Integrations.Find(new BsonDocument("_id", "acme/sentinel")).SingleAsync();
        Assert.Equal(ResourcePhase.Running, tenant!.Status!.Phase);
        Assert.Equal("Acme Corp", tenant.Tenant!.Spec.DisplayName);
        Assert.Equal("second write", integration!.Status!.Message);
        Assert.Equal([new AllocatedPort("http", 8080, 20001)], integration.Status.Ports);
        Assert.Equal("s3cret", integration.Integration!.Spec.Parameters["apiKey"]);
        Assert.DoesNotContain("s3cret", raw["status"].ToJson());
    }

    [Fact]
    public async Task Adopting_and_deleting_integrations_and_tenants()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        await store.Tenants.InsertOneAsync(IntegrationDocuments.Tenant("acme"));
        await store.Integrations.InsertManyAsync([IntegrationDocuments.Integration("sentinel"), IntegrationDocuments.Integration("crowd", id: ObjectId.GenerateNewId())]);
        var sentinel = IntegrationKeys.Integration("acme", "sentinel");

        await store.SetIntegrationOwnerAsync(sentinel, new OwnerReference("Tenant", "acme", "acme"), None);
        await store.SetIntegrationOwnerAsync(sentinel, new OwnerReference("Tenant", "acme", "acme-2"), None);
        Assert.Equal([new OwnerReference("Tenant", "acme", "acme-2")], (await store.GetIntegrationAsync(sentinel, None))!.OwnerReferences);

        await store.DeleteIntegrationAsync(sentinel, None);
        await store.DeleteIntegrationAsync(IntegrationKeys.Integration("acme", "crowd"), None);
        await store.DeleteTenantAsync("acme", None);

        Assert.Empty(await store.ListIntegrationsAsync(null, None));
        Assert.Empty(await store.ListTenantsAsync(None));
    }

    [Fact]
    public async Task A_child_service_is_created_reads_back_equal_and_a_second_put_changes_nothing()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        var child = ServiceSpecDocumentsTests.FullSpec();

        var created = await store.PutChildServiceAsync(child, None);
        var again = await store.PutChildServiceAsync(child, None);

        Assert.True(created);
        Assert.False(again);
        var raw = await store.Services.Find(new BsonDocument("_id", "acme/sentinel")).SingleAsync();
        Assert.Equal("zpm/v1", raw["apiVersion"].AsString);
        var children = await store.ListChildServicesAsync("acme", None);
        var read = Assert.Single(children);
        Assert.Null(read.InvalidReason);
        Assert.Equal(ServiceSpecDocuments.ToSpecDocument(child.Spec), ServiceSpecDocuments.ToSpecDocument(read.Spec!.Spec));
        Assert.Equal(child.Metadata.OwnerReferences, read.Spec.Metadata.OwnerReferences);
        Assert.Equal("IntegrationSpec/acme/sentinel", read.Spec.Metadata.Labels["zpm.owner"]);
    }

    [Fact]
    public async Task Putting_a_child_puts_back_a_hand_edit_but_keeps_status_and_a_deletion_request()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        var child = ServiceSpecDocumentsTests.FullSpec();
        await store.PutChildServiceAsync(child, None);
        await new MongoServiceStore(database.Database).WriteStatusAsync(child.Key, new ServiceStatus { Phase = ResourcePhase.Running, UpdatedAt = Time }, None);
        await store.Services.UpdateOneAsync(new BsonDocument("_id", "acme/sentinel"), new BsonDocument("$set", new BsonDocument("spec.image", "evil/image")));
        Assert.True(await store.RequestServiceDeletionAsync(child.Key, None));

        var changed = await store.PutChildServiceAsync(child, None);

        Assert.True(changed);
        var read = (await store.ListChildServicesAsync(null, None)).Single();
        Assert.Equal("zpm/busybox:1.36", read.Spec!.Spec.Image);
        Assert.Equal(ResourcePhase.Running, read.Status!.Phase);
        Assert.True(read.DeletionRequested);
    }

    [Fact]
    public async Task Only_services_owned_by_an_integration_are_child_services()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        await store.Services.InsertOneAsync(ServiceDocuments.Valid("hand-made", "acme"));
        await store.PutChildServiceAsync(ServiceSpecDocumentsTests.FullSpec("sentinel", "acme"), None);
        await store.PutChildServiceAsync(ServiceSpecDocumentsTests.FullSpec("sentinel", "globex"), None);

        Assert.Equal(["acme/sentinel", "globex/sentinel"], (await store.ListChildServicesAsync(null, None)).Select(service => service.Uid));
        Assert.Equal(["acme/sentinel"], (await store.ListChildServicesAsync("acme", None)).Select(service => service.Uid));
        Assert.False(await store.RequestServiceDeletionAsync(new ResourceKey(ServiceSpec.KindName, "acme", "missing"), None));
    }

    [Fact]
    public async Task A_claim_is_stored_a_taken_port_is_refused_and_an_owner_keeps_its_port()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;

        var first = await store.TryClaimPortAsync(new PortAllocation("acme", "sentinel", "http", 20001), None);
        var samePortOtherOwner = await store.TryClaimPortAsync(new PortAllocation("globex", "sentinel", "http", 20001), None);
        var sameOwnerOtherPort = await store.TryClaimPortAsync(new PortAllocation("acme", "sentinel", "http", 20002), None);
        var sameOwnerSamePort = await store.TryClaimPortAsync(new PortAllocation("acme", "sentinel", "http", 20001), None);

        Assert.Equal(new ClaimAttempt(ClaimResult.Claimed), first);
        Assert.Equal(new ClaimAttempt(ClaimResult.PortTaken), samePortOtherOwner);
        Assert.Equal(new ClaimAttempt(ClaimResult.OwnerHasPort, 20001), sameOwnerOtherPort);
        Assert.Equal(new ClaimAttempt(ClaimResult.OwnerHasPort, 20001), sameOwnerSamePort);
        Assert.Equal([new PortAllocation("acme", "sentinel", "http", 20001)], await store.ListPortAllocationsAsync(null, None));
    }

    [Fact]
    public async Task Releasing_deletes_only_allocations_matching_owner_and_port()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        await store.PortAllocations.InsertManyAsync(
        [
            IntegrationDocuments.Allocation("acme", "sentinel", "http", 20001),
            IntegrationDocuments.Allocation("acme", "sentinel", "metrics", 20002),
            IntegrationDocuments.Allocation("globex", "sentinel", "http", 20003),
        ]);

        await store.ReleasePortsAsync(
        [
            new PortAllocation("acme", "sentinel", "http", 20001),
            new PortAllocation("acme", "sentinel", "metrics", 29999),
        ], None);

        Assert.Equal([20002, 20003], (await store.ListPortAllocationsAsync(null, None)).Select(allocation => allocation.Port));
        Assert.Equal([new PortAllocation("globex", "sentinel", "http", 20003)], await store.ListPortAllocationsAsync("globex", None));
    }

    [Fact]
    public async Task A_released_port_can_be_claimed_by_another_owner()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        var acme = new PortAllocation("acme", "sentinel", "http", 20001);
        await store.TryClaimPortAsync(acme, None);

        await store.ReleasePortsAsync([acme], None);

        Assert.Equal(ClaimResult.Claimed, (await store.TryClaimPortAsync(new PortAllocation("globex", "sentinel", "http", 20001), None)).Result);
    }

    [Fact]
    public async Task Allocation_through_the_port_allocator_keeps_a_port_across_a_restart()
    {
        var (database, store) = await InstalledAsync();
        await using var _ = database;
        var owner = new PortOwner("acme", "sentinel", "http");
        var range = new PortRange(20000, 20009);

        var first = await ClaimAsync(store, owner, range);
        var afterRestart = await ClaimAsync(new MongoIntegrationStore(database.Database), owner, range);

        Assert.Equal(PortChoiceKind.Claimed, first.Kind);
        Assert.Equal(PortChoiceKind.Kept, afterRestart.Kind);
        Assert.Equal(first.Port, afterRestart.Port);
    }

    private static async Task<PortChoice> ClaimAsync(MongoIntegrationStore store, PortOwner owner, PortRange range) =>
        await PortAllocator.ClaimAsync(
            owner,
            await store.ListPortAllocationsAsync(owner.Tenant, None),
            new HashSet<int>(),
            range,
            (port, ct) => new ValueTask<ClaimAttempt>(store.TryClaimPortAsync(new PortAllocation(owner.Tenant, owner.Integration, owner.PortName, port), ct)),
            None);
}
