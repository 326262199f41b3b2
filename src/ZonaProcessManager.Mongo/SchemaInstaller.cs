using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Policy;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>One collection `zpm install` sets up: its `$jsonSchema` (an embedded schemas/*.schema.json) and indexes.</summary>
public sealed record CollectionDefinition(string Name, string? SchemaResource, IReadOnlyList<CreateIndexModel<BsonDocument>> Indexes);

/// <summary>What one install run did, for the CLI to print.</summary>
public sealed record InstallReport(IReadOnlyList<string> CreatedCollections, IReadOnlyList<string> ValidatedCollections, IReadOnlyList<string> Indexes);

/// <summary>
/// `zpm install`: creates the contract's collections if missing, (re)applies `$jsonSchema` validators with collMod
/// (validationLevel moderate, validationAction error) and creates indexes. Idempotent: every step is "make it so"
/// (createIndexes with identical specs is a no-op, collMod overwrites), so running it twice gives the same result, and
/// an install made with another validation level is brought to this one by the next run (`zpm run` installs first).
/// </summary>
/// <remarks>
/// Why moderate: MongoDB checks every insert, and every update of a document that passes the validator, but not updates
/// of a document that already fails it. A document that got in invalid (bypassDocumentValidation, an older schema, a
/// restore) then still takes the operator's `$set: {status}`, which strict refused with 121 forever, so exactly the
/// documents that most needed a Degraded status never got one. Valid documents stay guarded as before: an edit that
/// would make one invalid is refused.
/// </remarks>
public sealed class SchemaInstaller
{
    public static readonly TimeSpan EventRetention = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an operator instance's record outlives its last write. A running instance writes it at every renewal or
    /// look at the lease (every few seconds), so only the record of an instance that stopped without saying so (kill -9,
    /// a lost host) goes, within this time plus one pass of the server's TTL monitor (60 s on MongoDB).
    /// </summary>
    public static readonly TimeSpan OperatorRecordRetention = TimeSpan.FromMinutes(10);

    /// <summary>The validationLevel every validator is installed with (see the remarks).</summary>
    public const string ValidationLevel = "moderate";

    private readonly IMongoDatabase _database;
    private readonly ILogger _logger;
    private readonly IsolationPolicy _isolation;

    /// <param name="isolation">The allow-lists the services validator is built from (default: deny every host path).</param>
    public SchemaInstaller(IMongoDatabase database, ILogger<SchemaInstaller>? logger = null, IsolationPolicy? isolation = null)
    {
        _database = database;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _isolation = isolation ?? IsolationPolicy.Default;
    }

    public static IReadOnlyList<CollectionDefinition> Definitions { get; } =
    [
        new(ZpmCollections.Services, "schemas/servicespec.schema.json",
        [
            new CreateIndexModel<BsonDocument>(
                Builders<BsonDocument>.IndexKeys.Ascending(DocumentFields.MetadataTenant).Ascending(DocumentFields.MetadataName),
                new CreateIndexOptions { Name = "metadata_tenant_name_unique", Unique = true }),
        ]),
        new(ZpmCollections.Events, null,
        [
            new CreateIndexModel<BsonDocument>(
                Builders<BsonDocument>.IndexKeys.Ascending(EventDocuments.Time),
                new CreateIndexOptions { Name = "time_ttl_7d", ExpireAfter = EventRetention }),
            new CreateIndexModel<BsonDocument>(
                Builders<BsonDocument>.IndexKeys.Ascending("resource.kind").Ascending("resource.tenant").Ascending("resource.name").Descending(EventDocuments.Time),
                new CreateIndexOptions { Name = "resource_time" }),
        ]),
        new(ZpmCollections.OperatorState, null, []),
        new(ZpmCollections.Operators, null,
        [
            new CreateIndexModel<BsonDocument>(
                Builders<BsonDocument>.IndexKeys.Ascending(Leases.LeaseFields.LastSeenAt),
                new CreateIndexOptions { Name = "last_seen_ttl_10m", ExpireAfter = OperatorRecordRetention }),
        ]),
        new(ZpmCollections.Catalog, "schemas/integrationdefinition.schema.json",
        [
            Unique("metadata_name_unique", DocumentFields.MetadataName),
            Unique("spec_integration_id_unique", "spec.integration_id"),
        ]),
        new(ZpmCollections.Tenants, "schemas/tenant.schema.json",
        [
            Unique("metadata_name_unique", DocumentFields.MetadataName),
        ]),
        new(ZpmCollections.Integrations, "schemas/integrationspec.schema.json",
        [
            Unique("metadata_tenant_name_unique", DocumentFields.MetadataTenant, DocumentFields.MetadataName),
        ]),

        // The two unique indexes are what make a port claim atomic: a second holder of a port, or a second port for
        // one owner, is refused by the server with 11000 however many allocators race.
        new(ZpmCollections.PortAllocations, "schemas/portallocation.schema.json",
        [
            Unique("port_unique", PortAllocationFields.Port),
            Unique("owner_unique", PortAllocationFields.Tenant, PortAllocationFields.Integration, PortAllocationFields.PortName),
        ]),

        // Written only by the operator, so no validator; the unique index keeps one document per revision number.
        new(ZpmCollections.Revisions, null,
        [
            Unique("service_revision_unique", MongoRevisionStore.ServiceTenantField, MongoRevisionStore.ServiceNameField, MongoRevisionStore.RevisionField),
        ]),
        new(ZpmCollections.Releases, "schemas/release.schema.json",
        [
            Unique("metadata_name_unique", DocumentFields.MetadataName),
        ]),
    ];

    private static CreateIndexModel<BsonDocument> Unique(string name, params string[] fields) =>
        new(
            Builders<BsonDocument>.IndexKeys.Combine(fields.Select(field => Builders<BsonDocument>.IndexKeys.Ascending(field))),
            new CreateIndexOptions { Name = name, Unique = true });

    /// <summary>The `$jsonSchema` body of an embedded schema resource (e.g. "schemas/servicespec.schema.json").</summary>
    public static BsonDocument LoadSchema(string resourceName)
    {
        using var stream = typeof(SchemaInstaller).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"schema resource {resourceName} is not embedded; known: {string.Join(", ", EmbeddedSchemaNames())}");
        using var reader = new StreamReader(stream);
        return BsonDocument.Parse(reader.ReadToEnd());
    }

    /// <summary>The validator installed for <paramref name="definition"/> under this installer's isolation policy.</summary>
    public BsonDocument SchemaFor(CollectionDefinition definition)
    {
        var schema = LoadSchema(definition.SchemaResource!);
        return definition.Name == ZpmCollections.Services ? IsolationSchema.Apply(schema, _isolation) : schema;
    }

    public static IEnumerable<string> EmbeddedSchemaNames() =>
        typeof(SchemaInstaller).Assembly.GetManifestResourceNames().Where(name => name.StartsWith("schemas/", StringComparison.Ordinal));

    public async Task<InstallReport> InstallAsync(CancellationToken cancellationToken)
    {
        var existing = await (await _database.ListCollectionNamesAsync(cancellationToken: cancellationToken)).ToListAsync(cancellationToken);
        var created = new List<string>();
        var validated = new List<string>();
        var indexes = new List<string>();
        foreach (var definition in Definitions)
        {
            if (!existing.Contains(definition.Name))
            {
                try
                {
                    await _database.CreateCollectionAsync(definition.Name, cancellationToken: cancellationToken);
                    created.Add(definition.Name);
                    _logger.LogInformation("Created collection {Collection}", definition.Name);
                }
                catch (MongoCommandException exception) when (exception.Code == 48)
                {
                    // NamespaceExists: another installer won the race; the collection is there, which is all we want.
                }
            }

            if (definition.SchemaResource is not null)
            {
                var command = new BsonDocument
                {
                    ["collMod"] = definition.Name,
                    ["validator"] = new BsonDocument("$jsonSchema", SchemaFor(definition)),
                    ["validationLevel"] = ValidationLevel,
                    ["validationAction"] = "error",
                };
                await _database.RunCommandAsync<BsonDocument>(command, cancellationToken: cancellationToken);
                validated.Add(definition.Name);
                _logger.LogInformation("Applied $jsonSchema validator {Schema} to {Collection}", definition.SchemaResource, definition.Name);
            }

            if (definition.Indexes.Count > 0)
            {
                var collection = _database.GetCollection<BsonDocument>(definition.Name);
                var names = await collection.Indexes.CreateManyAsync(definition.Indexes, cancellationToken);
                indexes.AddRange(names.Select(name => $"{definition.Name}.{name}"));
            }
        }

        return new InstallReport(created, validated, indexes);
    }
}
