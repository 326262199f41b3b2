using System.Globalization;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Integrations;

/// <summary>
/// The CLI's view of the integration collections (catalog, tenants, integrations, port_allocations), read and written
/// as plain BsonDocuments so that a document the typed mappers would refuse can still be listed, described and fixed.
/// Every query goes through <see cref="MongoIntegrationStore"/>, the one class that reads and writes these collections.
/// Keys follow the contract: catalog `_id` "&lt;name&gt;", tenants `_id` "&lt;code&gt;", integrations `_id`
/// "&lt;tenant&gt;/&lt;name&gt;". Documents inserted by mongosh with an ObjectId are found by their metadata instead.
/// </summary>
public sealed class IntegrationDocuments(IMongoDatabase database)
{
    public const string ApiVersion = ServiceSpec.ApiVersion;

    /// <summary>The repository of the integration collections.</summary>
    public MongoIntegrationStore Store { get; } = new(database);

    public Task<List<BsonDocument>> ListCatalogAsync(CancellationToken cancellationToken) => Store.ListCatalogDocumentsAsync(cancellationToken);

    public Task<List<BsonDocument>> ListTenantsAsync(CancellationToken cancellationToken) => Store.ListTenantDocumentsAsync(cancellationToken);

    public Task<BsonDocument?> GetTenantAsync(string code, CancellationToken cancellationToken) => Store.GetTenantDocumentAsync(code, cancellationToken);

    public Task<List<BsonDocument>> ListIntegrationsAsync(string? tenant, CancellationToken cancellationToken) =>
        Store.ListIntegrationDocumentsAsync(tenant, cancellationToken);

    public Task<BsonDocument?> GetIntegrationAsync(string tenant, string name, CancellationToken cancellationToken) =>
        Store.GetIntegrationDocumentAsync(tenant, name, cancellationToken);

    public Task<List<BsonDocument>> ListPortAllocationsAsync(string? tenant, CancellationToken cancellationToken) =>
        Store.ListPortAllocationDocumentsAsync(tenant, cancellationToken);

    /// <summary>
    /// Upserts apiVersion, kind, metadata (name, tenant for IntegrationSpecs) and spec of a checked manifest — never
    /// status or metadata.deletionRequested. New documents get the contract `_id`; an existing one keeps its own.
    /// </summary>
    public async Task<ApplyOutcome> ApplyAsync(CheckedManifest manifest, CancellationToken cancellationToken)
    {
        var id = manifest.Kind == IntegrationSpec.KindName ? DocumentIds.For(manifest.Tenant!, manifest.Name) : manifest.Name;
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

        return await Store.UpsertDocumentAsync(manifest.Kind, manifest.Name, manifest.Tenant, update, cancellationToken);
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
