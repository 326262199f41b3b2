using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Mongo.Tests.Documents;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>The installed validators of the multi-tenant collections: structurally invalid documents are refused with 121.</summary>
public sealed class IntegrationSchemaTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Time = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string, Func<BsonDocument>> Invalid() => new()
    {
        { "catalog: integration_id not a number", ZpmCollections.Catalog, () => Broken(IntegrationDocuments.Definition(), d => d["spec"]["integration_id"] = "seven") },
        { "catalog: no image", ZpmCollections.Catalog, () => Broken(IntegrationDocuments.Definition(), d => d["spec"].AsBsonDocument.Remove("image")) },
        { "catalog: missing metadata.name", ZpmCollections.Catalog, () => Broken(IntegrationDocuments.Definition(), d => d["metadata"].AsBsonDocument.Remove("name")) },
        { "catalog: port without container", ZpmCollections.Catalog, () => Broken(IntegrationDocuments.Definition(), d => d["spec"]["ports"][0].AsBsonDocument.Remove("container")) },
        { "catalog: parameter default an object", ZpmCollections.Catalog, () => Broken(IntegrationDocuments.Definition(), d => d["spec"]["parameters"][0]["default"] = new BsonDocument("a", 1)) },
        { "catalog: unknown spec field", ZpmCollections.Catalog, () => Broken(IntegrationDocuments.Definition(), d => d["spec"]["colour"] = "red") },
        { "tenants: code not a DNS label", ZpmCollections.Tenants, () => Broken(IntegrationDocuments.Tenant(), d => d["metadata"]["name"] = "Acme_Corp") },
        { "tenants: code with a trailing newline", ZpmCollections.Tenants, () => Broken(IntegrationDocuments.Tenant(), d => d["metadata"]["name"] = "acme\n") },
        { "tenants: missing metadata.name", ZpmCollections.Tenants, () => Broken(IntegrationDocuments.Tenant(), d => d["metadata"].AsBsonDocument.Remove("name")) },
        { "tenants: suspended not a bool", ZpmCollections.Tenants, () => Broken(IntegrationDocuments.Tenant(), d => d["spec"]["suspended"] = "yes") },
        { "tenants: wrong kind", ZpmCollections.Tenants, () => Broken(IntegrationDocuments.Tenant(), d => d["kind"] = "Customer") },
        { "integrations: integration_id not a number", ZpmCollections.Integrations, () => Broken(IntegrationDocuments.Integration(), d => d["spec"]["integration_id"] = "7") },
        { "integrations: parameters not an object", ZpmCollections.Integrations, () => Broken(IntegrationDocuments.Integration(), d => d["spec"]["parameters"] = new BsonArray { "apiUrl=x" }) },
        { "integrations: a parameter value an object", ZpmCollections.Integrations, () => Broken(IntegrationDocuments.Integration(), d => d["spec"]["parameters"]["apiUrl"] = new BsonDocument("u", 1)) },
        { "integrations: missing tenant", ZpmCollections.Integrations, () => Broken(IntegrationDocuments.Integration(), d => d["metadata"].AsBsonDocument.Remove("tenant")) },
        { "integrations: tenant not a DNS label", ZpmCollections.Integrations, () => Broken(IntegrationDocuments.Integration(), d => d["metadata"]["tenant"] = "ACME") },
        { "integrations: name with a trailing newline", ZpmCollections.Integrations, () => Broken(IntegrationDocuments.Integration(), d => d["metadata"]["name"] = "sentinel\n") },
        { "integrations: negative replicas", ZpmCollections.Integrations, () => Broken(IntegrationDocuments.Integration(), d => d["spec"]["replicas"] = -1) },
        { "port_allocations: port out of range", ZpmCollections.PortAllocations, () => IntegrationDocuments.Allocation("acme", "sentinel", "http", 70000) },
        { "port_allocations: tenant with a trailing newline", ZpmCollections.PortAllocations, () => IntegrationDocuments.Allocation("acme\n", "sentinel", "http", 20001) },
        { "port_allocations: no portName", ZpmCollections.PortAllocations, () => Broken(IntegrationDocuments.Allocation("acme", "sentinel", "http", 20001), d => d.Remove("portName")) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task A_structurally_invalid_document_is_refused_at_insert(string problem, string collection, Func<BsonDocument> document)
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);

        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => database.Collection<BsonDocument>(collection).InsertOneAsync(document()));

        output.WriteLine($"{problem}: {refused.WriteError.Message}");
        Assert.Equal(121, refused.WriteError.Code);
    }

    [Fact]
    public async Task Everything_the_contract_allows_is_accepted_including_the_operators_status_writes()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var store = new MongoIntegrationStore(database.Database);
        var minimalTenant = new BsonDocument { ["kind"] = "Tenant", ["metadata"] = new BsonDocument("name", "globex") };
        var integration = IntegrationDocuments.Integration(id: ObjectId.GenerateNewId());
        integration["spec"]["parameters"]["port"] = 8080.0;
        integration["spec"]["parameters"]["verbose"] = true;
        integration["spec"]["enabled"] = false;
        integration["spec"]["replicas"] = 2.0;
        var catalogWithNullDefault = IntegrationDocuments.Definition("crowd", 8, ObjectId.GenerateNewId());
        catalogWithNullDefault["spec"]["parameters"][0]["default"] = BsonNull.Value;

        await store.Catalog.InsertManyAsync([IntegrationDocuments.Definition(), catalogWithNullDefault, IntegrationDocumentMapper.ToDocument(Mapping.IntegrationDocumentWriterTests.Definition() with { Metadata = new ResourceMetadata { Name = "written" }, Spec = Mapping.IntegrationDocumentWriterTests.Definition().Spec with { IntegrationId = 9 } })]);
        await store.Tenants.InsertOneAsync(IntegrationDocumentMapper.ToDocument(new Tenant { Metadata = new ResourceMetadata { Name = "written" } }));
        await store.Integrations.InsertOneAsync(IntegrationDocumentMapper.ToDocument(new IntegrationSpec { Metadata = new ResourceMetadata { Name = "written", Tenant = "acme" }, Spec = new IntegrationSpecBody { IntegrationId = 9 } }));
        await store.Tenants.InsertManyAsync([IntegrationDocuments.Tenant(id: ObjectId.GenerateNewId()), minimalTenant]);
        await store.Integrations.InsertOneAsync(integration);
        await store.WriteTenantStatusAsync("acme", new TenantStatus
        {
            Phase = ResourcePhase.Removed,
            Integrations = new IntegrationCounts(1, 0),
            Message = "offboarding",
            Conditions = [new Condition("Ready", false, "Offboarding", "x", Time)],
            UpdatedAt = Time,
        }, None);
        await store.WriteIntegrationStatusAsync(IntegrationKeys.Integration("acme", "sentinel"), new IntegrationStatus
        {
            Phase = ResourcePhase.Degraded,
            Ports = [new AllocatedPort("http", 8080, 20001)],
            Message = "missing required parameter apiKey",
            Conditions = [new Condition("Ready", false, "BadParameters", "x", Time)],
            UpdatedAt = Time,
        }, None);
        await store.SetIntegrationOwnerAsync(IntegrationKeys.Integration("acme", "sentinel"), new OwnerReference("Tenant", "acme", "acme"), None);
        await store.TryClaimPortAsync(new PortAllocation("acme", "sentinel", "http", 20001), None);

        Assert.Equal(3, await store.Catalog.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(ResourcePhase.Removed, (await store.GetTenantAsync("acme", None))!.Status!.Phase);
        Assert.Equal(ResourcePhase.Degraded, (await store.GetIntegrationAsync(IntegrationKeys.Integration("acme", "sentinel"), None))!.Status!.Phase);
        Assert.Single(await store.ListPortAllocationsAsync(null, None));
    }

    [Fact]
    public async Task Status_writes_that_break_the_status_shape_are_refused()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var tenants = database.Collection<BsonDocument>(ZpmCollections.Tenants);
        await tenants.InsertOneAsync(IntegrationDocuments.Tenant());

        var refused = await Assert.ThrowsAsync<MongoWriteException>(() =>
            tenants.UpdateOneAsync(new BsonDocument("_id", "acme"), new BsonDocument("$set", new BsonDocument("status.phase", "Exploded"))));

        Assert.Equal(121, refused.WriteError.Code);
    }

    public static TheoryData<string, string, BsonDocument, BsonDocument> Duplicates() => new()
    {
        { "catalog name", ZpmCollections.Catalog, IntegrationDocuments.Definition("sentinel", 7), IntegrationDocuments.Definition("sentinel", 8, ObjectId.GenerateNewId()) },
        { "catalog integration_id", ZpmCollections.Catalog, IntegrationDocuments.Definition("sentinel", 7), IntegrationDocuments.Definition("crowd", 7) },
        { "tenant code", ZpmCollections.Tenants, IntegrationDocuments.Tenant("acme"), IntegrationDocuments.Tenant("acme", ObjectId.GenerateNewId()) },
        { "integration of a tenant", ZpmCollections.Integrations, IntegrationDocuments.Integration("sentinel", "acme"), IntegrationDocuments.Integration("sentinel", "acme", 8, ObjectId.GenerateNewId()) },
        {
            "port", ZpmCollections.PortAllocations, IntegrationDocuments.Allocation("acme", "sentinel", "http", 20001),
            IntegrationDocuments.Allocation("globex", "sentinel", "http", 20001)
        },
        {
            "port owner", ZpmCollections.PortAllocations, IntegrationDocuments.Allocation("acme", "sentinel", "http", 20001),
            Broken(IntegrationDocuments.Allocation("acme", "sentinel", "http", 20002), d => d["_id"] = ObjectId.GenerateNewId())
        },
    };

    [Theory]
    [MemberData(nameof(Duplicates))]
    public async Task The_unique_indexes_refuse_a_second_document_with_the_same_identity(string what, string collection, BsonDocument first, BsonDocument second)
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var documents = database.Collection<BsonDocument>(collection);
        await documents.InsertOneAsync(first);

        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => documents.InsertOneAsync(second));

        output.WriteLine($"{what}: {refused.WriteError.Message}");
        Assert.Equal(ServerErrorCategory.DuplicateKey, refused.WriteError.Category);
    }

    [Fact]
    public void The_new_schemas_are_embedded()
    {
        Assert.Contains("schemas/integrationdefinition.schema.json", SchemaInstaller.EmbeddedSchemaNames());
        Assert.Contains("schemas/tenant.schema.json", SchemaInstaller.EmbeddedSchemaNames());
        Assert.Contains("schemas/integrationspec.schema.json", SchemaInstaller.EmbeddedSchemaNames());
        Assert.Contains("schemas/portallocation.schema.json", SchemaInstaller.EmbeddedSchemaNames());
    }

    private static BsonDocument Broken(BsonDocument document, Action<BsonDocument> breakIt)
    {
        breakIt(document);
        return document;
    }
}
