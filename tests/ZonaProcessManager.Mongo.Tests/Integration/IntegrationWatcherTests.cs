using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Tests.Documents;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>The watcher on the multi-tenant collections: changes come out under the IntegrationKeys shapes, deletes included.</summary>
public sealed class IntegrationWatcherTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly WatcherOptions FastOptions = new() { MaxAwaitTime = TimeSpan.FromMilliseconds(200), InitialBackoff = TimeSpan.FromMilliseconds(100) };
    private static readonly ResourceChange Relist = new(ChangeKind.Relist, null);

    private static ResourceChange Upserted(ResourceKey key) => new(ChangeKind.Upserted, key);

    private static ResourceChange Deleted(ResourceKey key) => new(ChangeKind.Deleted, key);

    [Fact]
    public async Task Tenants_catalog_entries_and_integrations_with_zpm_ids_are_reported_by_key_also_when_deleted()
    {
        await using var database = target.CreateDatabase(output);
        var tenants = database.Collection<BsonDocument>(ZpmCollections.Tenants);
        var catalog = database.Collection<BsonDocument>(ZpmCollections.Catalog);
        var integrations = database.Collection<BsonDocument>(ZpmCollections.Integrations);
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());

        await tenants.InsertOneAsync(IntegrationDocuments.Tenant("acme"));
        Assert.Equal(Upserted(IntegrationKeys.Tenant("acme")), await probe.NextAsync());
        await catalog.InsertOneAsync(IntegrationDocuments.Definition("sentinel"));
        Assert.Equal(Upserted(IntegrationKeys.Definition("sentinel")), await probe.NextAsync());
        await integrations.InsertOneAsync(IntegrationDocuments.Integration("sentinel", "acme"));
        Assert.Equal(Upserted(IntegrationKeys.Integration("acme", "sentinel")), await probe.NextAsync());

        await integrations.DeleteOneAsync(new BsonDocument("_id", "acme/sentinel"));
        Assert.Equal(Deleted(IntegrationKeys.Integration("acme", "sentinel")), await probe.NextAsync());
        await catalog.DeleteOneAsync(new BsonDocument("_id", "sentinel"));
        Assert.Equal(Deleted(IntegrationKeys.Definition("sentinel")), await probe.NextAsync());
        await tenants.DeleteOneAsync(new BsonDocument("_id", "acme"));
        Assert.Equal(Deleted(IntegrationKeys.Tenant("acme")), await probe.NextAsync());
    }

    [Fact]
    public async Task Deletes_made_while_the_operator_was_down_are_named_by_their_zpm_ids_alone()
    {
        await using var database = target.CreateDatabase(output);
        var tenants = database.Collection<BsonDocument>(ZpmCollections.Tenants);
        var catalog = database.Collection<BsonDocument>(ZpmCollections.Catalog);
        await using (var first = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions)))
        {
            Assert.Equal(Relist, await first.NextAsync());
            await tenants.InsertOneAsync(IntegrationDocuments.Tenant("globex"));
            Assert.Equal(Upserted(IntegrationKeys.Tenant("globex")), await first.NextAsync());
            await catalog.InsertOneAsync(IntegrationDocuments.Definition("crowd"));
            Assert.Equal(Upserted(IntegrationKeys.Definition("crowd")), await first.NextAsync());
            await first.StopAsync();
        }

        // Deleted while down: the restarted watcher's map starts from what still exists and no insert is replayed,
        // so only the `_id` can name these documents (otherwise each delete would cost a full relist).
        await tenants.DeleteOneAsync(new BsonDocument("_id", "globex"));
        await catalog.DeleteOneAsync(new BsonDocument("_id", "crowd"));

        await using var second = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        var changes = new List<ResourceChange>();
        while (changes.Count == 0 || changes[^1] != Deleted(IntegrationKeys.Definition("crowd")))
        {
            changes.Add(await second.NextAsync());
        }

        // The last change before the stop may be replayed (at-least-once); nothing else comes before the deletes.
        var afterReplay = changes.SkipWhile(change => change == Upserted(IntegrationKeys.Definition("crowd"))).ToList();
        Assert.Equal([Deleted(IntegrationKeys.Tenant("globex")), Deleted(IntegrationKeys.Definition("crowd"))], afterReplay);
    }

    [Fact]
    public async Task Mongosh_documents_with_ObjectIds_are_resolved_through_the_seeded_map()
    {
        await using var database = target.CreateDatabase(output);
        var tenants = database.Collection<BsonDocument>(ZpmCollections.Tenants);
        var integrations = database.Collection<BsonDocument>(ZpmCollections.Integrations);
        var seededTenant = ObjectId.GenerateNewId();
        var seededIntegration = ObjectId.GenerateNewId();
        await tenants.InsertOneAsync(IntegrationDocuments.Tenant("acme", seededTenant));
        await integrations.InsertOneAsync(IntegrationDocuments.Integration("sentinel", "acme", id: seededIntegration));
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());

        var freshTenant = ObjectId.GenerateNewId();
        await tenants.InsertOneAsync(IntegrationDocuments.Tenant("globex", freshTenant));
        Assert.Equal(Upserted(IntegrationKeys.Tenant("globex")), await probe.NextAsync());
        await tenants.DeleteOneAsync(new BsonDocument("_id", freshTenant));
        Assert.Equal(Deleted(IntegrationKeys.Tenant("globex")), await probe.NextAsync());
        await integrations.DeleteOneAsync(new BsonDocument("_id", seededIntegration));
        Assert.Equal(Deleted(IntegrationKeys.Integration("acme", "sentinel")), await probe.NextAsync());
        await tenants.DeleteOneAsync(new BsonDocument("_id", seededTenant));
        Assert.Equal(Deleted(IntegrationKeys.Tenant("acme")), await probe.NextAsync());
    }

    [Fact]
    public async Task The_operators_status_writes_and_port_allocations_cause_no_change()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoIntegrationStore(database.Database);
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());
        await store.Tenants.InsertOneAsync(IntegrationDocuments.Tenant("acme"));
        Assert.Equal(Upserted(IntegrationKeys.Tenant("acme")), await probe.NextAsync());

        await store.WriteTenantStatusAsync("acme", new TenantStatus { Phase = ResourcePhase.Running, UpdatedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
        await store.TryClaimPortAsync(new PortAllocation("acme", "sentinel", "http", 20001), CancellationToken.None);
        await store.Tenants.InsertOneAsync(IntegrationDocuments.Tenant("marker"));

        // The stream is ordered: had either write produced a change, it would arrive before the marker.
        Assert.Equal(Upserted(IntegrationKeys.Tenant("marker")), await probe.NextAsync());
    }

    [Fact]
    public async Task Adopting_an_integration_twice_and_putting_an_unchanged_child_cause_no_further_change()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoIntegrationStore(database.Database);
        var key = IntegrationKeys.Integration("acme", "sentinel");
        var owner = new OwnerReference("Tenant", "acme", "acme");
        var child = Mapping.ServiceSpecDocumentsTests.FullSpec();
        await store.Integrations.InsertOneAsync(IntegrationDocuments.Integration());
        await store.SetIntegrationOwnerAsync(key, owner, CancellationToken.None);
        await store.PutChildServiceAsync(child, CancellationToken.None);
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());

        // The operator repeats these on every reconcile: were they changes, each reconcile would trigger the next.
        await store.SetIntegrationOwnerAsync(key, owner, CancellationToken.None);
        Assert.False(await store.PutChildServiceAsync(child, CancellationToken.None));
        await store.Tenants.InsertOneAsync(IntegrationDocuments.Tenant("marker"));

        Assert.Equal(Upserted(IntegrationKeys.Tenant("marker")), await probe.NextAsync());
    }
}
