using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// Releases in the `releases` collection, and the image writes a release makes to ServiceSpecs in `services`. The
/// operator writes a release's status only (`$set: {status}`) and a service's spec.image and change-cause annotation
/// only, the latter under the condition that spec.image is still the image the release read; a user's commands write
/// the release's spec only. Given the operator's <see cref="ILeadershipContext"/>, its writes are fenced by its
/// leadership term (<see cref="LeaderFence"/>); the CLI's methods never are.
/// </summary>
public sealed class MongoReleaseStore : IReleaseStore
{
    private readonly LeaderFence _fence;

    /// <param name="leadership">The operator's leadership, which fences its writes; null for the CLI (unfenced).</param>
    public MongoReleaseStore(IMongoDatabase database, ILeadershipContext? leadership = null)
    {
        _fence = new LeaderFence(leadership);
        Releases = database.GetCollection<BsonDocument>(ZpmCollections.Releases);
        Services = database.GetCollection<BsonDocument>(ZpmCollections.Services);
    }

    public IMongoCollection<BsonDocument> Releases { get; }

    public IMongoCollection<BsonDocument> Services { get; }

    /// <summary>A release by its name: the zpm `_id` (the bare name) or metadata.name.</summary>
    public static FilterDefinition<BsonDocument> NameFilter(string name) => MongoIntegrationStore.SingleNameFilter(name);

    public async Task<StoredRelease?> GetReleaseAsync(string name, CancellationToken cancellationToken)
    {
        var document = await GetDocumentAsync(name, cancellationToken);
        return document is null ? null : ReleaseDocumentMapper.Read(document);
    }

    public async Task<IReadOnlyList<StoredRelease>> ListReleasesAsync(CancellationToken cancellationToken) =>
        (await ListDocumentsAsync(cancellationToken)).Select(ReleaseDocumentMapper.Read).ToList();

    /// <summary>The raw stored document, or null.</summary>
    public async Task<BsonDocument?> GetDocumentAsync(string name, CancellationToken cancellationToken) =>
        await Releases.Find(NameFilter(name)).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<BsonDocument>> ListDocumentsAsync(CancellationToken cancellationToken) =>
        await Releases.Find(FilterDefinition<BsonDocument>.Empty).Sort(Builders<BsonDocument>.Sort.Ascending(DocumentFields.MetadataName)).ToListAsync(cancellationToken);

    public async Task WriteReleaseStatusAsync(string name, ReleaseStatus status, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(nameof(WriteReleaseStatusAsync));
        var update = Builders<BsonDocument>.Update.Set(DocumentFields.Status, ReleaseDocumentMapper.ToStatusDocument(status));
        var result = await Releases.UpdateOneAsync(LeaderFence.Filter(NameFilter(name), generation), LeaderFence.Stamp(update, generation), cancellationToken: cancellationToken);
        if (result.MatchedCount == 0)
        {
            await LeaderFence.ThrowIfNewerTermWroteAsync(Releases, NameFilter(name), generation, nameof(WriteReleaseStatusAsync), cancellationToken);
        }
    }

    /// <remarks>
    /// One pipeline update: the annotation's name has a dot, which an update path would read as nesting, so it is set
    /// with `$setField` on the annotations object. The condition on spec.image makes the write a compare-and-set: a
    /// user's edit that landed since the release read the service is never overwritten.
    /// </remarks>
    public async Task<bool> SetServiceImageAsync(ResourceKey service, string expectedImage, string newImage, string changeCause, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(nameof(SetServiceImageAsync));
        var filters = Builders<BsonDocument>.Filter;
        var key = filters.And(MongoServiceStore.KeyFilter(service), filters.Eq("spec.image", expectedImage));
        var set = new BsonDocument
        {
            ["spec.image"] = new BsonDocument("$literal", newImage),
            ["metadata.annotations"] = new BsonDocument("$setField", new BsonDocument
            {
                ["field"] = ReleaseChangeCause.Annotation,
                ["input"] = new BsonDocument("$ifNull", new BsonArray { "$metadata.annotations", new BsonDocument() }),
                ["value"] = new BsonDocument("$literal", changeCause),
            }),
        };
        if (generation is { } mine)
        {
            set[LeaderFence.Field] = mine;
        }

        var pipeline = new EmptyPipelineDefinition<BsonDocument>().AppendStage<BsonDocument, BsonDocument, BsonDocument>(new BsonDocument("$set", set));
        var result = await Services.UpdateOneAsync(LeaderFence.Filter(key, generation), Builders<BsonDocument>.Update.Pipeline(pipeline), cancellationToken: cancellationToken);
        if (result.MatchedCount == 0)
        {
            await LeaderFence.ThrowIfNewerTermWroteAsync(Services, key, generation, nameof(SetServiceImageAsync), cancellationToken);
        }

        return result.MatchedCount > 0;
    }

    /// <summary>
    /// `zpm release apply`: upserts metadata and the spec fields the manifest gives (request fields it leaves out keep
    /// their value; other fields it leaves out are removed, so their defaults apply); status is never touched. New
    /// documents get the `_id` of their name.
    /// </summary>
    public async Task<ApplyOutcome> ApplyAsync(Release release, BsonDocument manifest, CancellationToken cancellationToken)
    {
        var update = new BsonDocument("$set", ReleaseDocumentMapper.ApplySet(release, manifest))
        {
            ["$setOnInsert"] = new BsonDocument(DocumentFields.Id, release.Metadata.Name),
        };
        var unset = ReleaseDocumentMapper.UnsetFields(manifest).ToList();
        if (unset.Count > 0)
        {
            update["$unset"] = new BsonDocument(unset.Select(field => new BsonElement(field, "")));
        }

        return Upsert.OutcomeOf(await Upsert.OneAsync(Releases, NameFilter(release.Metadata.Name), new BsonDocumentUpdateDefinition<BsonDocument>(update), cancellationToken));
    }

    /// <summary>`zpm release pause|resume`: sets spec.paused; a resume also counts one more resume request. False when there is no such release.</summary>
    public async Task<bool> SetPausedAsync(string name, bool paused, CancellationToken cancellationToken)
    {
        var update = Builders<BsonDocument>.Update.Set("spec.paused", paused);
        if (!paused)
        {
            update = update.Inc("spec.resumeRequests", 1L);
        }

        return (await Releases.UpdateOneAsync(NameFilter(name), update, cancellationToken: cancellationToken)).MatchedCount > 0;
    }

    /// <summary>`zpm release rollback`: sets spec.rollback. False when there is no such release.</summary>
    public async Task<bool> RequestRollbackAsync(string name, CancellationToken cancellationToken) =>
        (await Releases.UpdateOneAsync(NameFilter(name), Builders<BsonDocument>.Update.Set("spec.rollback", true), cancellationToken: cancellationToken)).MatchedCount > 0;
}
