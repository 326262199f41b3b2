using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

public sealed class SchemaInstallerTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Installing_twice_gives_the_same_collections_validators_and_indexes()
    {
        await using var database = target.CreateDatabase(output);
        var installer = new SchemaInstaller(database.Database);

        var first = await installer.InstallAsync(None);
        var afterFirst = await DescribeAsync(database.Database);
        var second = await installer.InstallAsync(None);
        var afterSecond = await DescribeAsync(database.Database);

        Assert.Equal(["catalog", "events", "integrations", "operator_state", "operators", "port_allocations", "releases", "revisions", "services", "tenants"], first.CreatedCollections.Order());
        Assert.Empty(second.CreatedCollections);
        Assert.Equal(afterFirst, afterSecond);
        Assert.Contains("services: validator moderate/error", afterSecond);
        Assert.Contains("services.metadata_tenant_name_unique: {metadata.tenant:1, metadata.name:1} unique", afterSecond);
        Assert.Contains("events.time_ttl_7d: {time:1} expireAfterSeconds=604800", afterSecond);
        Assert.Contains("operators.last_seen_ttl_10m: {lastSeenAt:1} expireAfterSeconds=600", afterSecond);
        Assert.Contains("catalog.spec_integration_id_unique: {spec.integration_id:1} unique", afterSecond);
        Assert.Contains("tenants.metadata_name_unique: {metadata.name:1} unique", afterSecond);
        Assert.Contains("integrations.metadata_tenant_name_unique: {metadata.tenant:1, metadata.name:1} unique", afterSecond);
        Assert.Contains("port_allocations.port_unique: {port:1} unique", afterSecond);
        Assert.Contains("port_allocations.owner_unique: {tenant:1, integration:1, portName:1} unique", afterSecond);
    }

    [Fact]
    public async Task The_record_of_an_operator_instance_not_seen_for_ten_minutes_is_removed_and_a_live_one_is_kept()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var operators = database.Database.GetCollection<BsonDocument>(ZpmCollections.Operators);
        await operators.InsertManyAsync(
        [
            new BsonDocument { ["_id"] = "killed-instance", ["state"] = "leader", ["lastSeenAt"] = DateTime.UtcNow - TimeSpan.FromMinutes(11) },
            new BsonDocument { ["_id"] = "live-instance", ["state"] = "standby", ["lastSeenAt"] = DateTime.UtcNow },
        ]);

        // MongoDB's TTL monitor runs every 60 s, so a real server may need up to two passes.
        await Eventually.TrueAsync(
            async () => await operators.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("_id", "killed-instance")) == 0,
            TimeSpan.FromSeconds(150),
            "the TTL monitor to remove the record not seen for 11 minutes");
        Assert.Equal(["live-instance"], (await operators.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsString));
    }

    [Fact]
    public async Task The_installed_validator_accepts_a_valid_spec_written_like_mongosh_does()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var services = database.Collection<BsonDocument>("services");

        await services.InsertOneAsync(ServiceDocuments.Valid("web", id: ObjectId.GenerateNewId()));

        Assert.Equal(1, await services.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    public static TheoryData<string, Action<BsonDocument>> InvalidSpecs() => new()
    {
        { "missing image", document => document["spec"].AsBsonDocument.Remove("image") },
        { "negative replicas", document => document["spec"]["replicas"] = -1 },
        { "replicas above 1000", document => document["spec"]["replicas"] = 1e9 },
        { "name with capitals and underscore", document => document["metadata"]["name"] = "Bad_Name" },
        { "name ending with a dash", document => document["metadata"]["name"] = "web-" },
        { "tenant not a DNS label", document => document["metadata"]["tenant"] = "ACME" },
        { "name with a trailing newline", document => document["metadata"]["name"] = "web\n" },
        { "tenant with a trailing newline", document => document["metadata"]["tenant"] = "acme\n" },
        { "unknown field in spec", document => document["spec"]["colour"] = "red" },
        { "port out of range", document => document["spec"]["ports"][0]["container"] = 70000 },
        { "unknown restart policy", document => document["spec"]["restartPolicy"] = "sometimes" },
        { "wrong kind", document => document["kind"] = "Pod" },
        { "no spec at all", document => document.Remove("spec") },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task The_installed_validator_refuses_an_invalid_spec(string problem, Action<BsonDocument> breakIt)
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var document = ServiceDocuments.Valid("web");
        breakIt(document);

        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => database.Collection<BsonDocument>("services").InsertOneAsync(document));

        output.WriteLine($"{problem}: {refused.WriteError.Message}");
        Assert.Equal(121, refused.WriteError.Code);
    }

    [Fact]
    public async Task An_install_made_with_strict_validation_is_migrated_so_status_can_be_written_on_invalid_documents()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        await database.Database.RunCommandAsync<BsonDocument>(new BsonDocument { ["collMod"] = "services", ["validationLevel"] = "strict" });
        var services = database.Collection<BsonDocument>("services");
        var invalid = ServiceDocuments.Valid("web");
        invalid["spec"]["colour"] = "red";
        await services.InsertOneAsync(invalid, new InsertOneOptions { BypassDocumentValidation = true });
        var setStatus = Builders<BsonDocument>.Update.Set("status", new BsonDocument { ["phase"] = "Degraded", ["message"] = "Invalid spec" });
        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => services.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("_id", invalid["_id"]), setStatus));
        Assert.Equal(121, refused.WriteError.Code);

        await new SchemaInstaller(database.Database).InstallAsync(None);

        var written = await services.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("_id", invalid["_id"]), setStatus);
        Assert.Equal(1, written.ModifiedCount);
    }

    [Fact]
    public async Task Moderate_validation_still_refuses_invalid_inserts_and_edits_that_break_a_valid_document()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var services = database.Collection<BsonDocument>("services");
        var valid = ServiceDocuments.Valid("web");
        await services.InsertOneAsync(valid);
        var invalid = ServiceDocuments.Valid("api");
        invalid["spec"]["colour"] = "red";

        var insert = await Assert.ThrowsAsync<MongoWriteException>(() => services.InsertOneAsync(invalid));
        var edit = await Assert.ThrowsAsync<MongoWriteException>(() =>
            services.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("_id", valid["_id"]), Builders<BsonDocument>.Update.Set("spec.colour", "red")));

        Assert.Equal(121, insert.WriteError.Code);
        Assert.Equal(121, edit.WriteError.Code);
    }

    [Fact]
    public async Task Two_documents_with_the_same_tenant_and_name_are_refused()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var services = database.Collection<BsonDocument>("services");
        await services.InsertOneAsync(ServiceDocuments.Valid("web", "acme"));

        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => services.InsertOneAsync(ServiceDocuments.Valid("web", "acme", id: ObjectId.GenerateNewId())));

        Assert.Equal(ServerErrorCategory.DuplicateKey, refused.WriteError.Category);
    }

    [Fact]
    public void The_schemas_are_embedded_in_the_assembly()
    {
        var schema = SchemaInstaller.LoadSchema("schemas/servicespec.schema.json");

        Assert.False(schema["properties"]["spec"]["additionalProperties"].AsBoolean);
        Assert.Contains("schemas/servicespec.schema.json", SchemaInstaller.EmbeddedSchemaNames());
    }

    /// <summary>Collections with their validator settings and index definitions, as comparable text.</summary>
    private static async Task<List<string>> DescribeAsync(IMongoDatabase database)
    {
        var lines = new List<string>();
        var collections = await (await database.ListCollectionsAsync()).ToListAsync();
        foreach (var collection in collections.OrderBy(document => document["name"].AsString))
        {
            var name = collection["name"].AsString;
            var options = collection.GetValue("options", new BsonDocument()).AsBsonDocument;
            if (options.Contains("validator"))
            {
                lines.Add($"{name}: validator {options.GetValue("validationLevel", "strict")}/{options.GetValue("validationAction", "error")}");
                lines.Add($"{name}: schema {options["validator"].ToJson()}");
            }
            else
            {
                lines.Add($"{name}: no validator");
            }

            var indexes = await (await database.GetCollection<BsonDocument>(name).Indexes.ListAsync()).ToListAsync();
            foreach (var index in indexes.OrderBy(document => document["name"].AsString))
            {
                var keys = string.Join(", ", index["key"].AsBsonDocument.Elements.Select(element => $"{element.Name}:{element.Value.ToInt32()}"));
                var unique = index.GetValue("unique", false).ToBoolean() ? " unique" : "";
                var ttl = index.Contains("expireAfterSeconds") ? $" expireAfterSeconds={index["expireAfterSeconds"].ToInt64()}" : "";
                lines.Add($"{name}.{index["name"].AsString}: {{{keys}}}{unique}{ttl}");
            }
        }

        return lines;
    }
}
