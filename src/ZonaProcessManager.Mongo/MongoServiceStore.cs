using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>What <see cref="MongoServiceStore.ApplyAsync"/> did to the stored document (kubectl's words).</summary>
public enum ApplyOutcome { Created, Configured, Unchanged }

/// <summary>
/// ServiceSpecs in the `services` collection; events are read from `events` (<see cref="MongoEventRecorder"/> writes them). Status writes are `$set: {status}` only, so they never
/// race a user's edit of spec or metadata; apply writes only metadata and spec, so it never clobbers status.
/// Given the operator's <see cref="ILeadershipContext"/>, the operator's writes (status, delete, owned documents,
/// deletion requests) are fenced by its leadership term (<see cref="LeaderFence"/>); apply is a user's and never is.
/// </summary>
public sealed class MongoServiceStore : IServiceStore
{
    private readonly ServiceDocumentMapper _mapper;
    private readonly LeaderFence _fence;

    /// <param name="leadership">The operator's leadership, which fences its writes; null for the CLI (unfenced).</param>
    public MongoServiceStore(IMongoDatabase database, ServiceDocumentMapper? mapper = null, ILeadershipContext? leadership = null)
    {
        _fence = new LeaderFence(leadership);
        Database = database;
        Services = database.GetCollection<BsonDocument>(ZpmCollections.Services);
        Events = database.GetCollection<BsonDocument>(ZpmCollections.Events);
        _mapper = mapper ?? new ServiceDocumentMapper();
    }

    public IMongoDatabase Database { get; }

    public IMongoCollection<BsonDocument> Services { get; }

    public IMongoCollection<BsonDocument> Events { get; }

    /// <summary>
    /// Finds a resource's document by every way its key can be stored: the contract `_id` "&lt;tenant&gt;/&lt;name&gt;",
    /// (metadata.tenant, metadata.name) with a missing tenant counting as "system", and — for broken documents whose key
    /// name is their `_id` — that `_id` itself.
    /// </summary>
    public static FilterDefinition<BsonDocument> KeyFilter(ResourceKey key)
    {
        var filters = Builders<BsonDocument>.Filter;
        var tenantFilter = key.Tenant == ResourceKey.DefaultTenant
            ? filters.In(DocumentFields.MetadataTenant, new BsonValue[] { key.Tenant, BsonNull.Value })
            : filters.Eq(DocumentFields.MetadataTenant, key.Tenant);
        var alternatives = new List<FilterDefinition<BsonDocument>>
        {
            filters.Eq(DocumentFields.Id, DocumentIds.For(key)),
            filters.And(filters.Eq(DocumentFields.MetadataName, key.Name), tenantFilter),
        };
        if (ObjectId.TryParse(key.Name, out var objectId))
        {
            alternatives.Add(filters.Eq(DocumentFields.Id, objectId));
        }

        return filters.Or(alternatives);
    }

    public async Task<IReadOnlyList<StoredService>> ListAsync(CancellationToken cancellationToken)
    {
        // Mapped batch by batch as they arrive: only one batch of decoded documents is alive at a time, not every
        // document of the collection (a hundred thousand at scale) beside the services mapped from them.
        var services = new List<StoredService>();
        using var cursor = await Services.FindAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: cancellationToken);
        while (await cursor.MoveNextAsync(cancellationToken))
        {
            services.AddRange(cursor.Current.Select(_mapper.Read));
        }

        return services;
    }

    public async Task<StoredService?> GetAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var document = await GetDocumentAsync(key, cancellationToken);
        return document is null ? null : _mapper.Read(document);
    }

    /// <summary>The raw stored document (for `zpm describe`/`get -o`), or null.</summary>
    public async Task<BsonDocument?> GetDocumentAsync(ResourceKey key, CancellationToken cancellationToken) =>
        await Services.Find(KeyFilter(key)).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<BsonDocument>> ListDocumentsAsync(string? tenant, CancellationToken cancellationToken)
    {
        var filter = tenant is null ? FilterDefinition<BsonDocument>.Empty : TenantFilter(tenant);
        var sort = Builders<BsonDocument>.Sort.Ascending(DocumentFields.MetadataTenant).Ascending(DocumentFields.MetadataName);
        return await Services.Find(filter).Sort(sort).ToListAsync(cancellationToken);
    }

    public async Task WriteStatusAsync(ResourceKey key, ServiceStatus status, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(nameof(WriteStatusAsync));
        var update = Builders<BsonDocument>.Update.Set(DocumentFields.Status, StatusDocumentMapper.ToDocument(status));
        var result = await Services.UpdateOneAsync(LeaderFence.Filter(KeyFilter(key), generation), LeaderFence.Stamp(update, generation), cancellationToken: cancellationToken);
        if (result.MatchedCount == 0)
        {
            await LeaderFence.ThrowIfNewerTermWroteAsync(Services, KeyFilter(key), generation, nameof(WriteStatusAsync), cancellationToken);
        }
    }

    public async Task DeleteAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(nameof(DeleteAsync));
        var result = await Services.DeleteOneAsync(LeaderFence.Filter(KeyFilter(key), generation), cancellationToken);
        if (result.DeletedCount == 0)
        {
            await LeaderFence.ThrowIfNewerTermWroteAsync(Services, KeyFilter(key), generation, nameof(DeleteAsync), cancellationToken);
        }
    }

    /// <summary>Most recent events of one resource, newest first.</summary>
    public async Task<IReadOnlyList<ResourceEvent>> ListEventsAsync(ResourceKey key, int limit, CancellationToken cancellationToken)
    {
        var documents = await Events.Find(EventDocuments.ResourceFilter(key))
            .Sort(Builders<BsonDocument>.Sort.Descending(EventDocuments.Time))
            .Limit(limit)
            .ToListAsync(cancellationToken);
        return documents.Select(EventDocuments.FromDocument).ToList();
    }

    /// <summary>
    /// Idempotent upsert of a validated ServiceSpec document: writes apiVersion, kind, metadata (name, tenant, labels,
    /// annotations) and spec, nothing else — status and deletionRequested stay as they are. New documents get the
    /// contract `_id` "&lt;tenant&gt;/&lt;name&gt;"; an existing document (also one inserted by mongosh with an ObjectId)
    /// is found by its key and keeps its `_id`.
    /// </summary>
    public async Task<ApplyOutcome> ApplyAsync(ServiceSpec service, BsonDocument specDocument, CancellationToken cancellationToken)
    {
        var metadata = service.Metadata;
        var update = HeaderUpdate(metadata)
            .Set("metadata.labels", new BsonDocument(metadata.Labels.ToDictionary(pair => pair.Key, pair => (object)pair.Value)))
            .Set("metadata.annotations", new BsonDocument(metadata.Annotations.ToDictionary(pair => pair.Key, pair => (object)pair.Value)))
            .Set(DocumentFields.Spec, specDocument)
            .SetOnInsert(DocumentFields.Id, DocumentIds.For(service.Key));

        return Upsert.OutcomeOf(await Upsert.OneAsync(Services, KeyFilter(service.Key), update, cancellationToken));
    }

    /// <summary>
    /// Marks metadata.deletionRequested (the `zpm delete` flow, and the operator's removal of an integration's
    /// service); false when no such resource exists.
    /// </summary>
    public async Task<bool> RequestDeletionAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(nameof(RequestDeletionAsync));
        var result = await Services.UpdateOneAsync(
            LeaderFence.Filter(KeyFilter(key), generation),
            LeaderFence.Stamp(Builders<BsonDocument>.Update.Set(DocumentFields.MetadataDeletionRequested, true), generation),
            cancellationToken: cancellationToken);
        if (result.MatchedCount == 0)
        {
            await LeaderFence.ThrowIfNewerTermWroteAsync(Services, KeyFilter(key), generation, nameof(RequestDeletionAsync), cancellationToken);
        }

        return result.MatchedCount > 0;
    }

    /// <summary>
    /// Writes an operator-owned ServiceSpec (an integration's child) whole: apiVersion, kind, metadata with labels,
    /// annotations and ownerReferences, and spec, so a hand edit is put back; status stays as it is. True when the
    /// stored document changed.
    /// </summary>
    /// <remarks>
    /// Fenced, an existing document a newer term wrote does not match the filter, so the upsert tries to insert and
    /// the `_id` or the (tenant, name) index refuses it: that duplicate is the fence's refusal.
    /// </remarks>
    public async Task<bool> PutOwnedAsync(ServiceSpec service, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(nameof(PutOwnedAsync));
        var metadata = service.Metadata;
        var update = HeaderUpdate(metadata)
            .Set("metadata.labels", ServiceSpecDocuments.StringMap(metadata.Labels))
            .Set("metadata.annotations", ServiceSpecDocuments.StringMap(metadata.Annotations))
            .Set("metadata.ownerReferences", ServiceSpecDocuments.OwnerReferences(metadata.OwnerReferences))
            .Set(DocumentFields.Spec, ServiceSpecDocuments.ToSpecDocument(service.Spec))
            .SetOnInsert(DocumentFields.Id, DocumentIds.For(service.Key));

        UpdateResult result;
        try
        {
            result = await Upsert.OneAsync(Services, LeaderFence.Filter(KeyFilter(service.Key), generation), LeaderFence.Stamp(update, generation), cancellationToken);
        }
        catch (MongoWriteException exception) when (generation is not null && exception.WriteError.Category == ServerErrorCategory.DuplicateKey)
        {
            await LeaderFence.ThrowIfNewerTermWroteAsync(Services, KeyFilter(service.Key), generation, nameof(PutOwnedAsync), cancellationToken);
            throw;
        }

        return result.UpsertedId is not null || result.ModifiedCount > 0;
    }

    /// <summary>The ServiceSpecs owned by a resource of <paramref name="ownerKind"/>, of one tenant or of all, by tenant and name.</summary>
    public async Task<IReadOnlyList<StoredService>> ListOwnedAsync(string ownerKind, string? tenant, CancellationToken cancellationToken)
    {
        var filters = Builders<BsonDocument>.Filter;
        var owned = filters.Eq("metadata.ownerReferences.kind", ownerKind);
        var filter = tenant is null ? owned : filters.And(owned, filters.Eq(DocumentFields.MetadataTenant, tenant));
        var sort = Builders<BsonDocument>.Sort.Ascending(DocumentFields.MetadataTenant).Ascending(DocumentFields.MetadataName);
        var documents = await Services.Find(filter).Sort(sort).ToListAsync(cancellationToken);
        return documents.Select(_mapper.Read).ToList();
    }

    /// <summary>What every write of a whole ServiceSpec sets first: apiVersion, kind, metadata.name and metadata.tenant.</summary>
    private static UpdateDefinition<BsonDocument> HeaderUpdate(ResourceMetadata metadata) => Builders<BsonDocument>.Update
        .Set(DocumentFields.ApiVersion, ServiceSpec.ApiVersion)
        .Set(DocumentFields.Kind, ServiceSpec.KindName)
        .Set(DocumentFields.MetadataName, metadata.Name)
        .Set(DocumentFields.MetadataTenant, metadata.Tenant);

    private static FilterDefinition<BsonDocument> TenantFilter(string tenant) =>
        tenant == ResourceKey.DefaultTenant
            ? Builders<BsonDocument>.Filter.In(DocumentFields.MetadataTenant, new BsonValue[] { tenant, BsonNull.Value })
            : Builders<BsonDocument>.Filter.Eq(DocumentFields.MetadataTenant, tenant);
}
