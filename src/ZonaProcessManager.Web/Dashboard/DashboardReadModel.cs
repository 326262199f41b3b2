using System.Text.Json.Nodes;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Driver;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>
/// Everything the dashboard reads, in one place: tables, resource pages and recent events from MongoDB, and where a
/// service's replicas answer from the Docker engine (the same reader `zpm describe` uses). Documents leave here with
/// their secrets masked.
/// </summary>
/// <param name="dockerEndpoint">The engine the operator drives; null is the platform default.</param>
public sealed class DashboardReadModel(IMongoDatabase database, Uri? dockerEndpoint)
{
    /// <summary>How many events a resource page and the live feed start with.</summary>
    public const int EventLimit = 50;

    private static readonly JsonWriterSettings RelaxedJson = new() { OutputMode = JsonOutputMode.RelaxedExtendedJson };

    public async Task<IReadOnlyList<ResourceRow>> ListAsync(DashboardKind kind, CancellationToken cancellationToken)
    {
        var rows = new List<ResourceRow>();
        using var cursor = await Collection(kind).Find(FilterDefinition<BsonDocument>.Empty).ToCursorAsync(cancellationToken).ConfigureAwait(false);
        while (await cursor.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.AddRange(cursor.Current.Select(document => ResourceRows.From(kind, document)));
        }

        return rows;
    }

    /// <summary>The resource's page, or null when no document of <paramref name="kind"/> has that tenant and name.</summary>
    public async Task<ResourceDetail?> GetAsync(DashboardKind kind, string tenant, string name, CancellationToken cancellationToken)
    {
        var document = await FindAsync(kind, tenant, name, cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            return null;
        }

        var masked = await MaskAsync(kind, document, cancellationToken).ConfigureAwait(false);
        var status = DocumentView.Status(document);
        var replicas = kind == DashboardKind.Services
            ? StatusDocumentMapper.TryRead(document.GetValue(DocumentFields.Status, BsonNull.Value))?.Containers ?? []
            : [];
        var (locations, unknown) = await ReadLocationsAsync(replicas, cancellationToken).ConfigureAwait(false);
        var key = DocumentIds.KeyOf(kind.Kind, document);
        var events = await Events()
            .Find(EventDocuments.ResourceFilter(key))
            .Sort(Builders<BsonDocument>.Sort.Descending(EventDocuments.Time))
            .Limit(EventLimit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new ResourceDetail(
            ResourceRows.From(kind, document),
            JsonNode.Parse(masked.ToJson(RelaxedJson)),
            Conditions(status),
            [.. replicas.Select(replica => new ReplicaView(
                replica.Name, replica.Id, replica.State, replica.Health, replica.Node, replica.Slot, replica.Error,
                locations.GetValueOrDefault(replica.Id)?.Endpoints ?? []))],
            unknown,
            [.. events.Select(ToEventRow)]);
    }

    /// <summary>The newest events of every resource, newest first.</summary>
    public async Task<IReadOnlyList<EventRow>> RecentEventsAsync(CancellationToken cancellationToken)
    {
        var events = await Events()
            .Find(FilterDefinition<BsonDocument>.Empty)
            .Sort(Builders<BsonDocument>.Sort.Descending(EventDocuments.Time))
            .Limit(EventLimit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. events.Select(ToEventRow)];
    }

    /// <summary>The document of a resource, unmasked: for actions, which never send it anywhere.</summary>
    public Task<BsonDocument?> FindAsync(DashboardKind kind, string tenant, string name, CancellationToken cancellationToken) =>
        Collection(kind).Find(KeyFilter(kind, tenant, name)).FirstOrDefaultAsync(cancellationToken)!;

    public IMongoCollection<BsonDocument> Collection(DashboardKind kind) => database.GetCollection<BsonDocument>(kind.Collection);

    /// <summary>
    /// Matches on metadata as <see cref="DocumentIds.KeyOf"/> reads it: a tenanted document without metadata.tenant
    /// belongs to the default tenant.
    /// </summary>
    public static FilterDefinition<BsonDocument> KeyFilter(DashboardKind kind, string tenant, string name)
    {
        var filter = Builders<BsonDocument>.Filter;
        var byName = filter.Eq(DocumentFields.MetadataName, name);
        if (!kind.Tenanted)
        {
            return byName;
        }

        var byTenant = tenant == ResourceKey.DefaultTenant
            ? filter.Or(filter.Eq(DocumentFields.MetadataTenant, tenant), filter.Exists(DocumentFields.MetadataTenant, false))
            : filter.Eq(DocumentFields.MetadataTenant, tenant);
        return filter.And(byName, byTenant);
    }

    internal static EventRow ToEventRow(BsonDocument document)
    {
        var resourceEvent = EventDocuments.FromDocument(document);
        return new EventRow(
            resourceEvent.Time, resourceEvent.Type.ToString(), resourceEvent.Reason, resourceEvent.Message,
            resourceEvent.Resource.Kind, resourceEvent.Resource.Tenant, resourceEvent.Resource.Name);
    }

    private async Task<BsonDocument> MaskAsync(DashboardKind kind, BsonDocument document, CancellationToken cancellationToken)
    {
        if (kind == DashboardKind.Services)
        {
            return DocumentView.MaskService(document);
        }

        if (kind == DashboardKind.Catalog)
        {
            return DocumentView.MaskDefinition(document);
        }

        if (kind == DashboardKind.Integrations)
        {
            var catalog = await Collection(DashboardKind.Catalog).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(cancellationToken).ConfigureAwait(false);
            return DocumentView.MaskIntegration(document, DocumentView.DefinitionFor(catalog, document));
        }

        return document;
    }

    private async Task<(IReadOnlyDictionary<string, ReplicaLocation> Locations, string? Unknown)> ReadLocationsAsync(
        IReadOnlyList<ContainerStatus> replicas, CancellationToken cancellationToken)
    {
        if (replicas.Count == 0)
        {
            return (new Dictionary<string, ReplicaLocation>(), null);
        }

        try
        {
            return (await ReplicaEndpointReader.ReadAsync(dockerEndpoint, replicas, cancellationToken, TimeSpan.FromSeconds(5)).ConfigureAwait(false), null);
        }
        catch (ContainerRuntimeException unknown)
        {
            return (new Dictionary<string, ReplicaLocation>(), unknown.Message);
        }
    }

    private static List<ConditionView> Conditions(BsonDocument? status) =>
        [.. (status?.GetValue("conditions", BsonNull.Value) as BsonArray ?? [])
            .OfType<BsonDocument>()
            .Select(condition => new ConditionView(
                DocumentView.Text(condition, "type"),
                condition.GetValue("status", BsonNull.Value) is { } value && ((value.IsBoolean && value.AsBoolean) || (value.IsString && string.Equals(value.AsString, "True", StringComparison.OrdinalIgnoreCase))),
                DocumentView.Text(condition, "reason"),
                DocumentView.Text(condition, "message"),
                condition.GetValue("lastTransitionTime", BsonNull.Value) is { IsValidDateTime: true } time ? new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero) : null))];

    private IMongoCollection<BsonDocument> Events() => database.GetCollection<BsonDocument>(ZpmCollections.Events);
}
