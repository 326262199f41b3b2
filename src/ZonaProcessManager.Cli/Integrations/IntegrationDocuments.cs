using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Integrations;

/// <summary>
/// The CLI's view of the multi-tenant collections (catalog, tenants, integrations, port_allocations), read and written
/// as plain BsonDocuments so that a document the typed mappers would refuse can still be listed, described and fixed.
/// Every query goes through <see cref="MongoIntegrationStore"/>, the repository of these collections.
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
}
