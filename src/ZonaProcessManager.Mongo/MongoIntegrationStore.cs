using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// The repository of the multi-tenant collections (catalog, tenants, integrations, port_allocations); the
/// operator-owned child ServiceSpecs are read and written through <see cref="MongoServiceStore"/>. Status writes are
/// `$set: {status}` only, like <see cref="MongoServiceStore"/>'s, so they never race a user's edit of spec or metadata.
/// Given the operator's <see cref="ILeadershipContext"/>, every write of <see cref="IIntegrationStore"/> is fenced by its
/// leadership term (<see cref="LeaderFence"/>); the CLI's document methods below it never are.
/// </summary>
public sealed class MongoIntegrationStore : IIntegrationStore
{
    private const int DuplicateKey = 11000;

    private readonly MongoServiceStore _services;
    private readonly TimeProvider _time;
    private readonly LeaderFence _fence;
    private readonly MongoMetrics? _metrics;

    /// <param name="leadership">The operator's leadership, which fences its writes; null for the CLI (unfenced).</param>
    /// <param name="metrics">Where the host ports each tenant holds are tracked; null tracks nothing.</param>
    public MongoIntegrationStore(
        IMongoDatabase database, TimeProvider? time = null, ServiceDocumentMapper? serviceMapper = null, ILeadershipContext? leadership = null, MongoMetrics? metrics = null)
    {
        _metrics = metrics;
        _services = new MongoServiceStore(database, serviceMapper, leadership);
        _fence = new LeaderFence(leadership);
        _time = time ?? TimeProvider.System;
        Catalog = database.GetCollection<BsonDocument>(ZpmCollections.Catalog);
        Tenants = database.GetCollection<BsonDocument>(ZpmCollections.Tenants);
        Integrations = database.GetCollection<BsonDocument>(ZpmCollections.Integrations);
        PortAllocations = database.GetCollection<BsonDocument>(ZpmCollections.PortAllocations);
    }

    public IMongoCollection<BsonDocument> Catalog { get; }

    public IMongoCollection<BsonDocument> Tenants { get; }

    public IMongoCollection<BsonDocument> Integrations { get; }

    public IMongoCollection<BsonDocument> PortAllocations { get; }

    public IMongoCollection<BsonDocument> Services => _services.Services;

    /// <summary>
    /// Finds a tenant or catalog document by its code/name: the zpm `_id` (the bare name), metadata.name, or — for a
    /// broken document whose key name is its `_id` — that ObjectId.
    /// </summary>
    public static FilterDefinition<BsonDocument> SingleNameFilter(string name)
    {
        var filters = Builders<BsonDocument>.Filter;
        var alternatives = new List<FilterDefinition<BsonDocument>>
        {
            filters.Eq(DocumentFields.Id, name),
            filters.Eq(DocumentFields.MetadataName, name),
        };
        if (ObjectId.TryParse(name, out var objectId))
        {
            alternatives.Add(filters.Eq(DocumentFields.Id, objectId));
        }

        return filters.Or(alternatives);
    }

    public async Task<IReadOnlyList<StoredDefinition>> ListCatalogAsync(CancellationToken cancellationToken)
    {
        var documents = await Catalog.Find(FilterDefinition<BsonDocument>.Empty).Sort(ByName).ToListAsync(cancellationToken);
        return documents.Select(IntegrationDocumentMapper.ReadDefinition).ToList();
    }

    public async Task<IReadOnlyList<StoredTenant>> ListTenantsAsync(CancellationToken cancellationToken)
    {
        var documents = await Tenants.Find(FilterDefinition<BsonDocument>.Empty).Sort(ByName).ToListAsync(cancellationToken);
        return documents.Select(IntegrationDocumentMapper.ReadTenant).ToList();
    }

    public async Task<StoredTenant?> GetTenantAsync(string code, CancellationToken cancellationToken)
    {
        var document = await Tenants.Find(SingleNameFilter(code)).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : IntegrationDocumentMapper.ReadTenant(document);
    }

    public async Task<IReadOnlyList<StoredIntegration>> ListIntegrationsAsync(string? tenant, CancellationToken cancellationToken)
    {
        var filter = tenant is null ? FilterDefinition<BsonDocument>.Empty : Builders<BsonDocument>.Filter.Eq(DocumentFields.MetadataTenant, tenant);
        var documents = await Integrations.Find(filter).Sort(ByTenantAndName).ToListAsync(cancellationToken);
        return documents.Select(IntegrationDocumentMapper.ReadIntegration).ToList();
    }

    public async Task<StoredIntegration?> GetIntegrationAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var document = await Integrations.Find(MongoServiceStore.KeyFilter(key)).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : IntegrationDocumentMapper.ReadIntegration(document);
    }

    public Task WriteTenantStatusAsync(string code, TenantStatus status, CancellationToken cancellationToken) =>
        FencedUpdateAsync(Tenants, SingleNameFilter(code),
            Builders<BsonDocument>.Update.Set(DocumentFields.Status, IntegrationDocumentMapper.ToDocument(status)), nameof(WriteTenantStatusAsync), cancellationToken);

    public Task WriteIntegrationStatusAsync(ResourceKey key, IntegrationStatus status, CancellationToken cancellationToken) =>
        FencedUpdateAsync(Integrations, MongoServiceStore.KeyFilter(key),
            Builders<BsonDocument>.Update.Set(DocumentFields.Status, IntegrationDocumentMapper.ToDocument(status)), nameof(WriteIntegrationStatusAsync), cancellationToken);

    public Task SetIntegrationOwnerAsync(ResourceKey key, OwnerReference owner, CancellationToken cancellationToken) =>
        FencedUpdateAsync(Integrations, MongoServiceStore.KeyFilter(key),
            Builders<BsonDocument>.Update.Set("metadata.ownerReferences", ServiceSpecDocuments.OwnerReferences([owner])), nameof(SetIntegrationOwnerAsync), cancellationToken);

    public Task DeleteIntegrationAsync(ResourceKey key, CancellationToken cancellationToken) =>
        FencedDeleteAsync(Integrations, MongoServiceStore.KeyFilter(key), nameof(DeleteIntegrationAsync), cancellationToken);

    public Task DeleteTenantAsync(string code, CancellationToken cancellationToken) =>
        FencedDeleteAsync(Tenants, SingleNameFilter(code), nameof(DeleteTenantAsync), cancellationToken);

    public Task<bool> PutChildServiceAsync(ServiceSpec service, CancellationToken cancellationToken) =>
        _services.PutOwnedAsync(service, cancellationToken);

    public Task<IReadOnlyList<StoredService>> ListChildServicesAsync(string? tenant, CancellationToken cancellationToken) =>
        _services.ListOwnedAsync(IntegrationSpec.KindName, tenant, cancellationToken);

    public Task<bool> RequestServiceDeletionAsync(ResourceKey key, CancellationToken cancellationToken) =>
        _services.RequestDeletionAsync(key, cancellationToken);

    public async Task<IReadOnlyList<PortAllocation>> ListPortAllocationsAsync(string? tenant, CancellationToken cancellationToken)
    {
        var filter = tenant is null ? FilterDefinition<BsonDocument>.Empty : Builders<BsonDocument>.Filter.Eq(PortAllocationFields.Tenant, tenant);
        var documents = await PortAllocations.Find(filter).Sort(Builders<BsonDocument>.Sort.Ascending(PortAllocationFields.Port)).ToListAsync(cancellationToken);
        var allocations = documents.Select(IntegrationDocumentMapper.ReadPortAllocation).OfType<PortAllocation>().ToList();
        _metrics?.PortAllocationsListed(tenant, allocations);
        return allocations;
    }

    /// <remarks>
    /// Which unique index collided is decided by re-reading the owner rather than by parsing the error: an insert
    /// stops at the first violated index, so a port collision says nothing about whether the owner also holds one,
    /// while the owner's stored allocation answers both cases (and is the port the caller needs).
    /// </remarks>
    public async Task<ClaimAttempt> TryClaimPortAsync(PortAllocation allocation, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(nameof(TryClaimPortAsync));
        try
        {
            var document = LeaderFence.Stamp(IntegrationDocumentMapper.ToDocument(allocation, _time.GetUtcNow()), generation);
            await PortAllocations.InsertOneAsync(document, cancellationToken: cancellationToken);
            _metrics?.PortClaimed(allocation.Tenant);
            return new ClaimAttempt(ClaimResult.Claimed);
        }
        catch (MongoWriteException exception) when (exception.WriteError.Code == DuplicateKey)
        {
            var existing = await PortAllocations.Find(OwnerFilter(allocation.Owner)).FirstOrDefaultAsync(cancellationToken);
            var existingPort = existing is null ? null : IntegrationDocumentMapper.ReadPortAllocation(existing);
            return existingPort is null
                ? new ClaimAttempt(ClaimResult.PortTaken)
                : new ClaimAttempt(ClaimResult.OwnerHasPort, existingPort.Port);
        }
    }

    public async Task ReleasePortsAsync(IReadOnlyCollection<PortAllocation> allocations, CancellationToken cancellationToken)
    {
        if (allocations.Count == 0)
        {
            return;
        }

        var generation = _fence.Generation(nameof(ReleasePortsAsync));
        var filters = Builders<BsonDocument>.Filter;
        var matches = filters.Or(allocations.Select(allocation => filters.And(OwnerFilter(allocation.Owner), filters.Eq(PortAllocationFields.Port, allocation.Port))));
        var result = await PortAllocations.DeleteManyAsync(LeaderFence.Filter(matches, generation), cancellationToken);
        if (result.DeletedCount == allocations.Count)
        {
            // Otherwise the next listing puts the count right.
            _metrics?.PortsReleased(allocations);
        }

        if (result.DeletedCount < allocations.Count)
        {
            // An allocation a newer term claimed again is not this term's to release.
            await LeaderFence.ThrowIfNewerTermWroteAsync(PortAllocations, matches, generation, nameof(ReleasePortsAsync), cancellationToken);
        }
    }

    /// <summary>A catalog entry or tenant by the zpm `_id` (the bare name or code) or by metadata.name.</summary>
    public static FilterDefinition<BsonDocument> NameOrIdFilter(string name) =>
        Builders<BsonDocument>.Filter.Or(
            Builders<BsonDocument>.Filter.Eq(DocumentFields.Id, name),
            Builders<BsonDocument>.Filter.Eq(DocumentFields.MetadataName, name));

    /// <summary>An IntegrationSpec by the zpm `_id` "&lt;tenant&gt;/&lt;name&gt;" or by (metadata.tenant, metadata.name).</summary>
    public static FilterDefinition<BsonDocument> IntegrationFilter(string tenant, string name)
    {
        var filters = Builders<BsonDocument>.Filter;
        return filters.Or(
            filters.Eq(DocumentFields.Id, DocumentIds.For(tenant, name)),
            filters.And(filters.Eq(DocumentFields.MetadataTenant, tenant), filters.Eq(DocumentFields.MetadataName, name)));
    }

    // Documents as stored, for `zpm` to list, describe and fix: these keep what the typed readers above would refuse.

    /// <summary>The catalog as stored, by spec.integration_id.</summary>
    public async Task<List<BsonDocument>> ListCatalogDocumentsAsync(CancellationToken cancellationToken) =>
        await Catalog.Find(FilterDefinition<BsonDocument>.Empty).Sort(Builders<BsonDocument>.Sort.Ascending("spec.integration_id")).ToListAsync(cancellationToken);

    /// <summary>The tenants as stored, by metadata.name.</summary>
    public async Task<List<BsonDocument>> ListTenantDocumentsAsync(CancellationToken cancellationToken) =>
        await Tenants.Find(FilterDefinition<BsonDocument>.Empty).Sort(ByName).ToListAsync(cancellationToken);

    public async Task<BsonDocument?> GetTenantDocumentAsync(string code, CancellationToken cancellationToken) =>
        await Tenants.Find(NameOrIdFilter(code)).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The IntegrationSpecs as stored, of one tenant or of all, by tenant and name.</summary>
    public async Task<List<BsonDocument>> ListIntegrationDocumentsAsync(string? tenant, CancellationToken cancellationToken)
    {
        var filter = tenant is null ? FilterDefinition<BsonDocument>.Empty : Builders<BsonDocument>.Filter.Eq(DocumentFields.MetadataTenant, tenant);
        return await Integrations.Find(filter).Sort(ByTenantAndName).ToListAsync(cancellationToken);
    }

    public async Task<BsonDocument?> GetIntegrationDocumentAsync(string tenant, string name, CancellationToken cancellationToken) =>
        await Integrations.Find(IntegrationFilter(tenant, name)).FirstOrDefaultAsync(cancellationToken);

    public async Task<long> CountIntegrationDocumentsAsync(string tenant, CancellationToken cancellationToken) =>
        await Integrations.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq(DocumentFields.MetadataTenant, tenant), cancellationToken: cancellationToken);

    /// <summary>The port allocations as stored, of one tenant or of all, by tenant, integration and port name.</summary>
    public async Task<List<BsonDocument>> ListPortAllocationDocumentsAsync(string? tenant, CancellationToken cancellationToken)
    {
        var filter = tenant is null ? FilterDefinition<BsonDocument>.Empty : Builders<BsonDocument>.Filter.Eq(PortAllocationFields.Tenant, tenant);
        var sort = Builders<BsonDocument>.Sort.Ascending(PortAllocationFields.Tenant).Ascending(PortAllocationFields.Integration).Ascending(PortAllocationFields.PortName);
        return await PortAllocations.Find(filter).Sort(sort).ToListAsync(cancellationToken);
    }

    public async Task<long> CountPortAllocationsAsync(string tenant, CancellationToken cancellationToken) =>
        await PortAllocations.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq(PortAllocationFields.Tenant, tenant), cancellationToken: cancellationToken);

    /// <summary>
    /// Upserts a catalog entry (by name), tenant (by code) or IntegrationSpec (by tenant and name) with
    /// <paramref name="update"/>, which sets `_id` on insert. Two concurrent creators both try to insert; the loser sees
    /// a duplicate `_id` and retries as an update.
    /// </summary>
    public async Task<ApplyOutcome> UpsertDocumentAsync(string kind, string name, string? tenant, UpdateDefinition<BsonDocument> update, CancellationToken cancellationToken)
    {
        var (collection, filter) = kind switch
        {
            IntegrationDefinition.KindName => (Catalog, NameOrIdFilter(name)),
            Tenant.KindName => (Tenants, NameOrIdFilter(name)),
            IntegrationSpec.KindName => (Integrations, IntegrationFilter(tenant ?? throw new ArgumentNullException(nameof(tenant)), name)),
            _ => throw new ArgumentException("not an integration kind: " + kind, nameof(kind)),
        };
        return Upsert.OutcomeOf(await Upsert.OneAsync(collection, filter, update, cancellationToken));
    }

    /// <summary>Applies <paramref name="update"/> to the tenant of <paramref name="code"/>, found by `_id` or metadata.name.</summary>
    public async Task<UpdateResult> UpdateTenantDocumentAsync(string code, UpdateDefinition<BsonDocument> update, CancellationToken cancellationToken) =>
        await Tenants.UpdateOneAsync(NameOrIdFilter(code), update, cancellationToken: cancellationToken);

    /// <summary>An update of one existing document, fenced like every write of the port (a miss is not an error).</summary>
    private async Task FencedUpdateAsync(
        IMongoCollection<BsonDocument> collection, FilterDefinition<BsonDocument> key, UpdateDefinition<BsonDocument> update, string operation, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(operation);
        var result = await collection.UpdateOneAsync(LeaderFence.Filter(key, generation), LeaderFence.Stamp(update, generation), cancellationToken: cancellationToken);
        if (result.MatchedCount == 0)
        {
            await LeaderFence.ThrowIfNewerTermWroteAsync(collection, key, generation, operation, cancellationToken);
        }
    }

    private async Task FencedDeleteAsync(IMongoCollection<BsonDocument> collection, FilterDefinition<BsonDocument> key, string operation, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(operation);
        var result = await collection.DeleteOneAsync(LeaderFence.Filter(key, generation), cancellationToken);
        if (result.DeletedCount == 0)
        {
            await LeaderFence.ThrowIfNewerTermWroteAsync(collection, key, generation, operation, cancellationToken);
        }
    }

    private static FilterDefinition<BsonDocument> OwnerFilter(PortOwner owner)
    {
        var filters = Builders<BsonDocument>.Filter;
        return filters.And(
            filters.Eq(PortAllocationFields.Tenant, owner.Tenant),
            filters.Eq(PortAllocationFields.Integration, owner.Integration),
            filters.Eq(PortAllocationFields.PortName, owner.PortName));
    }

    private static SortDefinition<BsonDocument> ByName => Builders<BsonDocument>.Sort.Ascending(DocumentFields.MetadataName);

    private static SortDefinition<BsonDocument> ByTenantAndName =>
        Builders<BsonDocument>.Sort.Ascending(DocumentFields.MetadataTenant).Ascending(DocumentFields.MetadataName);
}
