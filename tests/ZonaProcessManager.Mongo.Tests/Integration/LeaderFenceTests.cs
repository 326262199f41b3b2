using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
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

/// <summary>
/// The operator's writes fenced by its leadership term, on an installed database (validators on, so the recorded
/// generation is schema-valid too): a leader of an older term that wakes up after a newer one wrote changes nothing,
/// the same or a newer term writes on, an unconfirmed term or a standby writes nothing, and the CLI (no leadership) is
/// never fenced.
/// </summary>
public sealed class LeaderFenceTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly DateTimeOffset Time = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private async Task<TestDatabase> InstalledAsync()
    {
        var database = target.CreateDatabase(output);
        // ServiceSpecDocumentsTests.FullSpec mounts /tmp and publishes on 0.0.0.0, which only an allow-list admits.
        await new SchemaInstaller(database.Database, isolation: IsolationPolicy.Create(["/tmp"], ["0.0.0.0"])).InstallAsync(None);
        return database;
    }

    private static MongoServiceStore Services(TestDatabase database, long generation) => new(database.Database, leadership: TestLeadership.Of(generation));

    private static MongoIntegrationStore Integrations(TestDatabase database, long generation) => new(database.Database, leadership: TestLeadership.Of(generation));

    private static ServiceStatus Status(string message) => new() { Phase = ResourcePhase.Running, Message = message, UpdatedAt = Time };

    [Fact]
    public async Task A_status_write_of_an_older_term_is_refused_and_changes_nothing_while_the_same_or_a_newer_term_writes()
    {
        await using var database = await InstalledAsync();
        var plain = new MongoServiceStore(database.Database);
        await plain.Services.InsertOneAsync(ServiceDocuments.Valid("web", "acme"));
        var key = new ResourceKey(ServiceSpec.KindName, "acme", "web");

        await Services(database, 5).WriteStatusAsync(key, Status("term 5"), None);
        var refused = await Assert.ThrowsAsync<LeadershipFenceException>(() => Services(database, 4).WriteStatusAsync(key, Status("term 4"), None));

        Assert.Equal("WriteStatusAsync", refused.Operation);
        Assert.Contains("newer leadership term than 4", refused.Message, StringComparison.Ordinal);
        Assert.Equal("term 5", (await plain.GetAsync(key, None))!.Status!.Message);
        Assert.Equal(5, await GenerationOfAsync(plain.Services, "acme/web"));

        await Services(database, 5).WriteStatusAsync(key, Status("term 5 again"), None);
        Assert.Equal("term 5 again", (await plain.GetAsync(key, None))!.Status!.Message);
        await Services(database, 6).WriteStatusAsync(key, Status("term 6"), None);
        Assert.Equal("term 6", (await plain.GetAsync(key, None))!.Status!.Message);
        Assert.Equal(6, await GenerationOfAsync(plain.Services, "acme/web"));
    }

    [Fact]
    public async Task An_older_term_cannot_put_request_deletion_of_or_delete_an_owned_service_a_newer_term_wrote()
    {
        await using var database = await InstalledAsync();
        var child = ServiceSpecDocumentsTests.FullSpec();
        Assert.True(await Integrations(database, 5).PutChildServiceAsync(child, None));
        var before = await database.Collection<BsonDocument>(ZpmCollections.Services).Find(new BsonDocument("_id", "acme/sentinel")).SingleAsync();
        var older = Integrations(database, 4);
        var edited = child with { Spec = child.Spec with { Image = "evil/image" } };

        await Assert.ThrowsAsync<LeadershipFenceException>(() => older.PutChildServiceAsync(edited, None));
        await Assert.ThrowsAsync<LeadershipFenceException>(() => older.RequestServiceDeletionAsync(child.Key, None));
        await Assert.ThrowsAsync<LeadershipFenceException>(() => Services(database, 4).DeleteAsync(child.Key, None));

        var after = await database.Collection<BsonDocument>(ZpmCollections.Services).Find(new BsonDocument("_id", "acme/sentinel")).SingleAsync();
        Assert.Equal(before, after);
        Assert.Equal(1, await database.Collection<BsonDocument>(ZpmCollections.Services).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));

        var newer = Integrations(database, 6);
        Assert.True(await newer.PutChildServiceAsync(edited, None));
        Assert.True(await newer.RequestServiceDeletionAsync(child.Key, None));
        await Services(database, 6).DeleteAsync(child.Key, None);
        Assert.Empty(await newer.ListChildServicesAsync(null, None));
    }

    [Fact]
    public async Task Tenant_and_integration_writes_of_an_older_term_are_refused_and_change_nothing()
    {
        await using var database = await InstalledAsync();
        var plain = new MongoIntegrationStore(database.Database);
        await plain.Tenants.InsertOneAsync(IntegrationDocuments.Tenant("acme"));
        await plain.Integrations.InsertOneAsync(IntegrationDocuments.Integration("sentinel", "acme"));
        var integration = IntegrationKeys.Integration("acme", "sentinel");
        var newer = Integrations(database, 5);
        await newer.WriteTenantStatusAsync("acme", new TenantStatus { Phase = ResourcePhase.Running, Message = "term 5", UpdatedAt = Time }, None);
        await newer.WriteIntegrationStatusAsync(integration, new IntegrationStatus { Phase = ResourcePhase.Running, Message = "term 5", UpdatedAt = Time }, None);
        var tenantBefore = await plain.Tenants.Find(new BsonDocument("_id", "acme")).SingleAsync();
        var integrationBefore = await plain.Integrations.Find(new BsonDocument("_id", "acme/sentinel")).SingleAsync();
        var older = Integrations(database, 4);

        await Assert.ThrowsAsync<LeadershipFenceException>(() => older.WriteTenantStatusAsync("acme", new TenantStatus { Message = "term 4" }, None));
        await Assert.ThrowsAsync<LeadershipFenceException>(() => older.WriteIntegrationStatusAsync(integration, new IntegrationStatus { Message = "term 4" }, None));
        await Assert.ThrowsAsync<LeadershipFenceException>(() => older.SetIntegrationOwnerAsync(integration, new OwnerReference(Tenant.KindName, "acme", "uid-4"), None));
        await Assert.ThrowsAsync<LeadershipFenceException>(() => older.DeleteIntegrationAsync(integration, None));
        await Assert.ThrowsAsync<LeadershipFenceException>(() => older.DeleteTenantAsync("acme", None));

        Assert.Equal(tenantBefore, await plain.Tenants.Find(new BsonDocument("_id", "acme")).SingleAsync());
        Assert.Equal(integrationBefore, await plain.Integrations.Find(new BsonDocument("_id", "acme/sentinel")).SingleAsync());
        Assert.Equal(5, await GenerationOfAsync(plain.Tenants, "acme"));

        await newer.SetIntegrationOwnerAsync(integration, new OwnerReference(Tenant.KindName, "acme", "uid-5"), None);
        await newer.DeleteIntegrationAsync(integration, None);
        await newer.DeleteTenantAsync("acme", None);
        Assert.Empty(await plain.ListIntegrationsAsync(null, None));
        Assert.Empty(await plain.ListTenantsAsync(None));
    }

    [Fact]
    public async Task A_port_claim_records_its_term_and_an_older_term_cannot_release_it()
    {
        await using var database = await InstalledAsync();
        var allocation = new PortAllocation("acme", "sentinel", "http", 20001);
        Assert.Equal(new ClaimAttempt(ClaimResult.Claimed), await Integrations(database, 5).TryClaimPortAsync(allocation, None));
        var plain = new MongoIntegrationStore(database.Database);
        Assert.Equal(5, await GenerationOfAsync(plain.PortAllocations, "acme/sentinel/http"));

        await Assert.ThrowsAsync<LeadershipFenceException>(() => Integrations(database, 4).ReleasePortsAsync([allocation], None));
        Assert.Equal([allocation], await plain.ListPortAllocationsAsync(null, None));

        await Integrations(database, 5).ReleasePortsAsync([allocation], None);
        Assert.Empty(await plain.ListPortAllocationsAsync(null, None));
    }

    [Fact]
    public async Task An_unconfirmed_term_or_a_standby_writes_nothing_and_an_event_records_the_term_it_was_written_under()
    {
        await using var database = await InstalledAsync();
        var plain = new MongoServiceStore(database.Database);
        await plain.Services.InsertOneAsync(ServiceDocuments.Valid("web", "acme"));
        var key = new ResourceKey(ServiceSpec.KindName, "acme", "web");
        var leadership = TestLeadership.Of(7);
        leadership.Confirmed = false;
        var services = new MongoServiceStore(database.Database, leadership: leadership);
        var events = new MongoEventRecorder(database.Database, leadership);
        var integrations = new MongoIntegrationStore(database.Database, leadership: leadership);
        var resourceEvent = new ResourceEvent(key, "Created", "created replica 0", EventType.Normal, Time);

        var unconfirmed = await Assert.ThrowsAsync<LeadershipFenceException>(() => events.RecordAsync(resourceEvent, None));
        Assert.Contains("term 7 is not confirmed", unconfirmed.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LeadershipFenceException>(() => services.WriteStatusAsync(key, Status("unconfirmed"), None));
        await Assert.ThrowsAsync<LeadershipFenceException>(() => integrations.TryClaimPortAsync(new PortAllocation("acme", "sentinel", "http", 20001), None));
        leadership.Current = null;
        var standby = await Assert.ThrowsAsync<LeadershipFenceException>(() => events.RecordAsync(resourceEvent, None));
        Assert.Contains("not the leader", standby.Message, StringComparison.Ordinal);

        Assert.Empty(await plain.ListEventsAsync(key, 10, None));
        Assert.Null((await plain.GetAsync(key, None))!.Status);
        Assert.Empty(await integrations.ListPortAllocationsAsync(null, None));

        leadership.Current = new LeadershipTerm("test-holder-7", 7, CancellationToken.None);
        leadership.Confirmed = true;
        await events.RecordAsync(resourceEvent, None);
        var stored = await plain.Events.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync();
        Assert.Equal(7, stored["leaderGeneration"].ToInt64());
        Assert.Equal("created replica 0", Assert.Single(await plain.ListEventsAsync(key, 10, None)).Message);
    }

    [Fact]
    public async Task The_CLI_writes_without_a_leadership_and_is_never_fenced()
    {
        await using var database = await InstalledAsync();
        var cli = new MongoServiceStore(database.Database);
        var child = ServiceSpecDocumentsTests.FullSpec();
        await Integrations(database, 9).PutChildServiceAsync(child, None);

        var specDocument = ServiceSpecDocuments.ToSpecDocument(child.Spec with { Replicas = 3 });
        Assert.Equal(ApplyOutcome.Configured, await cli.ApplyAsync(child, specDocument, None));
        Assert.True(await cli.RequestDeletionAsync(child.Key, None));

        var stored = await cli.GetAsync(child.Key, None);
        Assert.Equal(3, stored!.Spec!.Spec.Replicas);
        Assert.True(stored.DeletionRequested);
        Assert.Equal(9, await GenerationOfAsync(cli.Services, "acme/sentinel")); // a user's write records no term
        await cli.DeleteAsync(child.Key, None);
        Assert.Null(await cli.GetAsync(child.Key, None));
    }

    [Fact]
    public async Task A_fenced_status_write_is_one_update_command_and_a_document_gone_meanwhile_is_no_error()
    {
        await using var database = await InstalledAsync();
        var commands = new List<string>();
        using var client = target.CreateClient(settings => settings.ClusterConfigurator = cluster => cluster.Subscribe<CommandStartedEvent>(started =>
        {
            if (started.CommandName is "insert" or "update" or "delete" or "find" or "aggregate" or "count")
            {
                lock (commands)
                {
                    commands.Add(started.CommandName);
                }
            }
        }));
        var store = new MongoServiceStore(client.GetDatabase(database.Name), leadership: TestLeadership.Of(3));
        await store.Services.InsertOneAsync(ServiceDocuments.Valid("web", "acme"));
        var key = new ResourceKey(ServiceSpec.KindName, "acme", "web");
        lock (commands)
        {
            commands.Clear();
        }

        await store.WriteStatusAsync(key, Status("term 3"), None);
        lock (commands)
        {
            Assert.Equal(["update"], commands);
        }

        await store.WriteStatusAsync(new ResourceKey(ServiceSpec.KindName, "acme", "gone"), Status("term 3"), None);
        Assert.Null(await store.GetAsync(new ResourceKey(ServiceSpec.KindName, "acme", "gone"), None));
    }

    [Fact]
    public async Task A_deposed_leader_does_not_move_the_shared_resume_position_back_and_a_standby_saves_none()
    {
        await using var database = await InstalledAsync();
        var newer = new ResumePosition(new BsonDocument("_data", "0002"), AfterInvalidate: false);
        var older = new ResumePosition(new BsonDocument("_data", "0001"), AfterInvalidate: false);
        var standby = new TestLeadership();
        var unconfirmed = TestLeadership.Of(6);
        unconfirmed.Confirmed = false;

        Assert.False(await new ResumeTokenStore(database.Database, "operator", leadership: standby).SaveAsync(older, None));
        Assert.Null(await new ResumeTokenStore(database.Database, "operator").LoadAsync(None));

        Assert.True(await new ResumeTokenStore(database.Database, "operator", leadership: TestLeadership.Of(5)).SaveAsync(newer, None));
        Assert.False(await new ResumeTokenStore(database.Database, "operator", leadership: TestLeadership.Of(4)).SaveAsync(older, None));
        Assert.False(await new ResumeTokenStore(database.Database, "operator", leadership: unconfirmed).SaveAsync(older, None));
        await new ResumeTokenStore(database.Database, "operator", leadership: TestLeadership.Of(4)).DeleteAsync(None);

        var shared = new ResumeTokenStore(database.Database, "operator");
        Assert.Equal(newer.Token, (await shared.LoadAsync(None))!.Token);
        Assert.True(await new ResumeTokenStore(database.Database, "operator", leadership: TestLeadership.Of(5)).SaveAsync(older, None));
        Assert.Equal(older.Token, (await shared.LoadAsync(None))!.Token);
    }

    private static async Task<long> GenerationOfAsync(IMongoCollection<BsonDocument> collection, string id)
    {
        var document = await collection.Find(new BsonDocument("_id", id)).SingleAsync();
        return document["leaderGeneration"].ToInt64();
    }
}
