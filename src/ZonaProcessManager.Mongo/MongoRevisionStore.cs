using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// ServiceSpec revisions in the `revisions` collection, one document each:
/// <c>{ _id: "&lt;tenant&gt;/&lt;name&gt;/&lt;revision&gt;", service: { tenant, name }, revision, specHash, spec,
/// createdAt, changeCause }</c>, the spec in the ServiceSpec document's own shape. The `_id` makes two recorders of the
/// same number collide instead of both writing it; the loser reads what the winner wrote. Given the operator's
/// <see cref="ILeadershipContext"/>, a revision is written only under a confirmed term (<see cref="LeaderFence"/>: an
/// insert cannot be conditioned on another document, so the check is the fence).
/// </summary>
public sealed class MongoRevisionStore : IRevisionStore
{
    public const string ServiceTenantField = "service.tenant";
    public const string ServiceNameField = "service.name";
    public const string RevisionField = "revision";
    public const string SpecHashField = "specHash";

    private readonly IMongoCollection<BsonDocument> _revisions;
    private readonly ServiceDocumentMapper _mapper = new();
    private readonly LeaderFence _fence;

    /// <param name="leadership">The operator's leadership, which fences its writes; null for the CLI (unfenced).</param>
    public MongoRevisionStore(IMongoDatabase database, ILeadershipContext? leadership = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _revisions = database.GetCollection<BsonDocument>(ZpmCollections.Revisions);
        _fence = new LeaderFence(leadership);
    }

    public static string IdFor(ResourceKey service, long number) => $"{DocumentIds.For(service)}/{number}";

    public static FilterDefinition<BsonDocument> ServiceFilter(ResourceKey service) => Builders<BsonDocument>.Filter.And(
        Builders<BsonDocument>.Filter.Eq(ServiceTenantField, service.Tenant),
        Builders<BsonDocument>.Filter.Eq(ServiceNameField, service.Name));

    public async Task<ServiceRevision> RecordAsync(
        ResourceKey service, ServiceSpecBody spec, string specHash, string changeCause, DateTimeOffset now, int keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        // Two rounds: a concurrent recorder can take the next number between the read and the insert only once per
        // term change, and then its revision is read back.
        for (var attempt = 0; ; attempt++)
        {
            var newest = await NewestDocumentAsync(service, cancellationToken).ConfigureAwait(false);
            if (newest is not null && newest[SpecHashField].AsString == specHash && Read(newest) is { } same)
            {
                return same;
            }

            var number = (newest?[RevisionField].ToInt64() ?? 0) + 1;
            var generation = _fence.Generation(nameof(RecordAsync));
            var document = new BsonDocument
            {
                [DocumentFields.Id] = IdFor(service, number),
                ["service"] = new BsonDocument { ["tenant"] = service.Tenant, ["name"] = service.Name },
                [RevisionField] = number,
                [SpecHashField] = specHash,
                [DocumentFields.Spec] = ServiceSpecDocuments.ToSpecDocument(spec),
                ["createdAt"] = now.UtcDateTime,
                ["changeCause"] = changeCause,
            };
            try
            {
                await _revisions.InsertOneAsync(LeaderFence.Stamp(document, generation), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (MongoWriteException exception) when (exception.WriteError.Category == ServerErrorCategory.DuplicateKey && attempt == 0)
            {
                continue;
            }

            var filters = Builders<BsonDocument>.Filter;
            // The same spec recorded before moves to the new number (history lists each spec once), and the oldest beyond
            // `keep` go.
            await _revisions.DeleteManyAsync(
                filters.And(ServiceFilter(service), filters.Eq(SpecHashField, specHash), filters.Lt(RevisionField, number)), cancellationToken).ConfigureAwait(false);
            var oldestKept = await _revisions.Find(ServiceFilter(service))
                .Sort(Builders<BsonDocument>.Sort.Descending(RevisionField))
                .Skip(keep - 1)
                .Limit(1)
                .Project(Builders<BsonDocument>.Projection.Include(RevisionField))
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (oldestKept is not null)
            {
                await _revisions.DeleteManyAsync(
                    filters.And(ServiceFilter(service), filters.Lt(RevisionField, oldestKept[RevisionField].ToInt64())), cancellationToken).ConfigureAwait(false);
            }

            return new ServiceRevision(service, number, specHash, spec, now, changeCause);
        }
    }

    public async Task<IReadOnlyList<ServiceRevision>> ListAsync(ResourceKey service, CancellationToken cancellationToken)
    {
        var documents = await _revisions.Find(ServiceFilter(service))
            .Sort(Builders<BsonDocument>.Sort.Ascending(RevisionField))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. documents.Select(Read).OfType<ServiceRevision>()];
    }

    public async Task<ServiceRevision?> GetAsync(ResourceKey service, long number, CancellationToken cancellationToken)
    {
        var document = await _revisions.Find(Builders<BsonDocument>.Filter.And(ServiceFilter(service), Builders<BsonDocument>.Filter.Eq(RevisionField, number)))
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return document is null ? null : Read(document);
    }

    public async Task DeleteAllAsync(ResourceKey service, CancellationToken cancellationToken)
    {
        _fence.Generation(nameof(DeleteAllAsync));
        await _revisions.DeleteManyAsync(ServiceFilter(service), cancellationToken).ConfigureAwait(false);
    }

    private Task<BsonDocument?> NewestDocumentAsync(ResourceKey service, CancellationToken cancellationToken) =>
        _revisions.Find(ServiceFilter(service))
            .Sort(Builders<BsonDocument>.Sort.Descending(RevisionField))
            .Limit(1)
            .FirstOrDefaultAsync(cancellationToken)!;

    /// <summary>
    /// The revision a document holds, its spec read by the ServiceSpec mapper; null when that spec no longer reads
    /// (written by a zpm whose contract has since changed), so one old entry never hides the rest of the history.
    /// </summary>
    private ServiceRevision? Read(BsonDocument document)
    {
        var service = document.GetValue("service", BsonNull.Value) as BsonDocument;
        var tenant = service?.GetValue("tenant", BsonNull.Value) is { IsString: true } t ? t.AsString : null;
        var name = service?.GetValue("name", BsonNull.Value) is { IsString: true } n ? n.AsString : null;
        if (tenant is null || name is null || document.GetValue(DocumentFields.Spec, BsonNull.Value) is not BsonDocument spec)
        {
            return null;
        }

        var asService = new BsonDocument
        {
            [DocumentFields.ApiVersion] = ServiceSpec.ApiVersion,
            [DocumentFields.Kind] = ServiceSpec.KindName,
            [DocumentFields.Metadata] = new BsonDocument { ["name"] = name, ["tenant"] = tenant },
            [DocumentFields.Spec] = spec,
        };
        if (_mapper.Read(asService).Spec is not { } read)
        {
            return null;
        }

        var createdAt = document.GetValue("createdAt", BsonNull.Value) is { IsValidDateTime: true } time
            ? new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero)
            : DateTimeOffset.MinValue;
        var cause = document.GetValue("changeCause", BsonNull.Value) is { IsString: true } c ? c.AsString : ChangeCause.Unknown;
        return new ServiceRevision(read.Key, document[RevisionField].ToInt64(), document[SpecHashField].AsString, read.Spec, createdAt, cause);
    }
}
