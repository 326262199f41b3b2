using System.Globalization;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Integrations;

/// <summary>
/// The CLI's view of the multi-tenant collections (catalog, tenants, integrations, port_allocations), read and written as
/// plain BsonDocuments so that a document the typed mappers would refuse can still be listed, described and fixed.
/// Keys follow the contract: catalog `_id` "&lt;name&gt;", tenants `_id` "&lt;code&gt;", integrations `_id`
/// "&lt;tenant&gt;/&lt;name&gt;". Documents inserted by mongosh with an ObjectId are found by their metadata instead.
/// </summary>
public sealed class IntegrationDocuments(IMongoDatabase database)
{
    public const string ApiVersion = "zpm/v1";

    public IMongoCollection<BsonDocument> Catalog { get; } = database.GetCollection<BsonDocument>(ZpmCollections.Catalog);

    public IMongoCollection<BsonDocument> Tenants { get; } = database.GetCollection<BsonDocument>(ZpmCollections.Tenants);

    public IMongoCollection<BsonDocument> Integrations { get; } = database.GetCollection<BsonDocument>(ZpmCollections.Integrations);

    public IMongoCollection<BsonDocument> PortAllocations { get; } = database.GetCollection<BsonDocument>(ZpmCollections.PortAllocations);

    private static FilterDefinitionBuilder<BsonDocument> Filter => Builders<BsonDocument>.Filter;

    public static FilterDefinition<BsonDocument> DefinitionFilter(string name) =>
        Filter.Or(Filter.Eq(DocumentFields.Id, name), Filter.Eq(DocumentFields.MetadataName, name));

    public static FilterDefinition<BsonDocument> TenantFilter(string code) =>
        Filter.Or(Filter.Eq(DocumentFields.Id, code), Filter.Eq(DocumentFields.MetadataName, code));

    public static FilterDefinition<BsonDocument> IntegrationFilter(string tenant, string name) =>
        Filter.Or(
            Filter.Eq(DocumentFields.Id, DocumentIds.For(tenant, name)),
            Filter.And(Filter.Eq(DocumentFields.MetadataTenant, tenant), Filter.Eq(DocumentFields.MetadataName, name)));

    public async Task<List<BsonDocument>> ListCatalogAsync(CancellationToken cancellationToken) =>
        await Catalog.Find(FilterDefinition<BsonDocument>.Empty).Sort(Builders<BsonDocument>.Sort.Ascending("spec.integration_id")).ToListAsync(cancellationToken);

    public async Task<List<BsonDocument>> ListTenantsAsync(CancellationToken cancellationToken) =>
        await Tenants.Find(FilterDefinition<BsonDocument>.Empty).Sort(Builders<BsonDocument>.Sort.Ascending(DocumentFields.MetadataName)).ToListAsync(cancellationToken);

    public async Task<BsonDocument?> GetTenantAsync(string code, CancellationToken cancellationToken) =>
        await Tenants.Find(TenantFilter(code)).FirstOrDefaultAsync(cancellationToken);

    public async Task<List<BsonDocument>> ListIntegrationsAsync(string? tenant, CancellationToken cancellationToken)
    {
        var filter = tenant is null ? FilterDefinition<BsonDocument>.Empty : Filter.Eq(DocumentFields.MetadataTenant, tenant);
        var sort = Builders<BsonDocument>.Sort.Ascending(DocumentFields.MetadataTenant).Ascending(DocumentFields.MetadataName);
        return await Integrations.Find(filter).Sort(sort).ToListAsync(cancellationToken);
    }

    public async Task<BsonDocument?> GetIntegrationAsync(string tenant, string name, CancellationToken cancellationToken) =>
        await Integrations.Find(IntegrationFilter(tenant, name)).FirstOrDefaultAsync(cancellationToken);

    public async Task<List<BsonDocument>> ListPortAllocationsAsync(string? tenant, CancellationToken cancellationToken)
    {
        var filter = tenant is null ? FilterDefinition<BsonDocument>.Empty : Filter.Eq("tenant", tenant);
        var sort = Builders<BsonDocument>.Sort.Ascending("tenant").Ascending("integration").Ascending("portName");
        return await PortAllocations.Find(filter).Sort(sort).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Upserts apiVersion, kind, metadata (name, tenant for IntegrationSpecs) and spec of a checked manifest — never
    /// status or metadata.deletionRequested. New documents get the contract `_id`; an existing one keeps its own.
    /// </summary>
    public async Task<ApplyOutcome> ApplyAsync(CheckedManifest manifest, CancellationToken cancellationToken)
    {
        var (collection, filter, id) = manifest.Kind switch
        {
            IntegrationDefinition.KindName => (Catalog, DefinitionFilter(manifest.Name), manifest.Name),
            Tenant.KindName => (Tenants, TenantFilter(manifest.Name), manifest.Name),
            IntegrationSpec.KindName => (Integrations, IntegrationFilter(manifest.Tenant!, manifest.Name), DocumentIds.For(manifest.Tenant!, manifest.Name)),
            _ => throw new ArgumentException("not an integration kind: " + manifest.Kind, nameof(manifest)),
        };
        var update = Builders<BsonDocument>.Update
            .Set(DocumentFields.ApiVersion, ApiVersion)
            .Set(DocumentFields.Kind, manifest.Kind)
            .Set(DocumentFields.MetadataName, manifest.Name)
            .Set(DocumentFields.Spec, manifest.Spec)
            .SetOnInsert(DocumentFields.Id, id);
        if (manifest.Tenant is not null)
        {
            update = update.Set(DocumentFields.MetadataTenant, manifest.Tenant);
        }

        return await UpsertAsync(collection, filter, update, cancellationToken);
    }

    /// <summary>Two concurrent creators both try to insert; the loser sees a duplicate `_id` and retries as an update.</summary>
    public static async Task<ApplyOutcome> UpsertAsync(
        IMongoCollection<BsonDocument> collection, FilterDefinition<BsonDocument> filter, UpdateDefinition<BsonDocument> update, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await collection.UpdateOneAsync(filter, update, new UpdateOptions { IsUpsert = true }, cancellationToken);
                if (result.UpsertedId is not null)
                {
                    return ApplyOutcome.Created;
                }

                return result.ModifiedCount > 0 ? ApplyOutcome.Configured : ApplyOutcome.Unchanged;
            }
            catch (MongoWriteException exception) when (exception.WriteError.Category == ServerErrorCategory.DuplicateKey && attempt < 2)
            {
            }
        }
    }

    /// <summary>The catalog entry an IntegrationSpec refers to by spec.integration_id, or null.</summary>
    public static BsonDocument? DefinitionFor(IEnumerable<BsonDocument> catalog, BsonDocument integration) =>
        IntegrationIdOf(integration) is { } id ? catalog.FirstOrDefault(entry => IntegrationIdOf(entry) == id) : null;

    public static int? IntegrationIdOf(BsonDocument document) =>
        Spec(document)?.GetValue("integration_id", BsonNull.Value) switch
        {
            { IsInt32: true } value => value.AsInt32,
            { IsInt64: true } value when value.AsInt64 is >= int.MinValue and <= int.MaxValue => (int)value.AsInt64,
            { IsDouble: true } value when value.AsDouble == Math.Floor(value.AsDouble) && Math.Abs(value.AsDouble) < int.MaxValue => (int)value.AsDouble,
            _ => null,
        };

    public static BsonDocument? Spec(BsonDocument document) => document.GetValue(DocumentFields.Spec, BsonNull.Value) as BsonDocument;

    public static BsonDocument? Status(BsonDocument document) => document.GetValue(DocumentFields.Status, BsonNull.Value) as BsonDocument;

    public static BsonDocument Metadata(BsonDocument document) => document.GetValue(DocumentFields.Metadata, BsonNull.Value) as BsonDocument ?? [];

    public static string Text(BsonDocument? document, string field, string fallback = "") =>
        document is not null && document.TryGetValue(field, out var value) && !value.IsBsonNull
            ? value switch
            {
                BsonString text => text.AsString,
                BsonDateTime time => time.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture),
                _ => Convert.ToString(BsonTypeMapper.MapToDotNetValue(value), CultureInfo.InvariantCulture) ?? fallback,
            }
            : fallback;

    public static string NameOf(BsonDocument document) => Text(Metadata(document), "name", DocumentIds.ToUid(document.GetValue(DocumentFields.Id, BsonNull.Value)));

    public static string TenantOf(BsonDocument document) => Text(Metadata(document), "tenant");

    public static bool DeletionRequested(BsonDocument document) =>
        Metadata(document).GetValue("deletionRequested", false) is { IsBoolean: true, AsBoolean: true };

    /// <summary>Names of the parameters a catalog entry marks secret.</summary>
    public static IReadOnlySet<string> SecretParameterNames(BsonDocument? definition) =>
        (Spec(definition ?? [])?.GetValue("parameters", BsonNull.Value) as BsonArray ?? [])
            .OfType<BsonDocument>()
            .Where(parameter => parameter.GetValue("secret", false) is { IsBoolean: true, AsBoolean: true })
            .Select(parameter => Text(parameter, "name"))
            .Where(name => name.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A copy of an IntegrationSpec document with the values of its secret parameters replaced by ***. Without its
    /// catalog entry nobody can tell which are secret, so then every value is masked.
    /// </summary>
    public static BsonDocument MaskIntegration(BsonDocument integration, BsonDocument? definition)
    {
        var copy = integration.DeepClone().AsBsonDocument;
        var secrets = SecretParameterNames(definition);
        if (Spec(copy)?.GetValue("parameters", BsonNull.Value) is BsonDocument parameters)
        {
            foreach (var name in parameters.Names.Where(name => definition is null || secrets.Contains(name)).ToList())
            {
                parameters[name] = SecretRedactor.Mask;
            }
        }

        return copy;
    }

    /// <summary>A copy of a catalog entry with the defaults of its secret parameters replaced by ***.</summary>
    public static BsonDocument MaskDefinition(BsonDocument definition)
    {
        var copy = definition.DeepClone().AsBsonDocument;
        foreach (var parameter in (Spec(copy)?.GetValue("parameters", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>())
        {
            if (parameter.GetValue("secret", false) is { IsBoolean: true, AsBoolean: true } && parameter.Contains("default") && !parameter["default"].IsBsonNull)
            {
                parameter["default"] = SecretRedactor.Mask;
            }
        }

        return copy;
    }

    /// <summary>A copy of a ServiceSpec document with the env vars its `zpm.secret-env` annotation names replaced by ***.</summary>
    public static BsonDocument MaskService(BsonDocument service)
    {
        var copy = service.DeepClone().AsBsonDocument;
        var annotations = Metadata(copy).GetValue("annotations", BsonNull.Value) as BsonDocument;
        var names = Text(annotations, SecretRedactor.SecretEnvAnnotation)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length > 0 && Spec(copy)?.GetValue("env", BsonNull.Value) is BsonDocument env)
        {
            foreach (var name in names.Where(env.Contains))
            {
                env[name] = SecretRedactor.Mask;
            }
        }

        return copy;
    }

}
