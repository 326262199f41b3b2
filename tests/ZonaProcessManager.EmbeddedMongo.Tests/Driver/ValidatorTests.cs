using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class ValidatorTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const string ServiceSchema = """
        { $jsonSchema: {
            bsonType: 'object',
            required: ['name', 'replicas'],
            additionalProperties: false,
            properties: {
              _id: {},
              name: { bsonType: 'string', pattern: '^[a-z][a-z0-9-]*$', minLength: 2, maxLength: 20 },
              replicas: { bsonType: 'int', minimum: 0, maximum: 10 },
              ratio: { bsonType: 'double', exclusiveMinimum: true, minimum: 0 },
              kind: { enum: ['web', 'worker'] },
              ports: { bsonType: 'array', minItems: 1, maxItems: 3, uniqueItems: true, items: { bsonType: 'int' } },
              owner: { oneOf: [{ bsonType: 'string' }, { bsonType: 'null' }] },
              image: { anyOf: [{ bsonType: 'string' }, { bsonType: 'object', required: ['repo'] }] },
              tag: { allOf: [{ bsonType: 'string' }, { not: { enum: ['latest'] } }] }
            }
        } }
        """;

    public static TheoryData<string, string, string> InvalidDocuments => new()
    {
        // document, failing rule, field named in errInfo
        { "{ replicas: 1 }", "required", "name" },
        { "{ name: 7, replicas: 1 }", "bsonType", "name" },
        { "{ name: 'Bad_Name', replicas: 1 }", "pattern", "name" },
        { "{ name: 'a', replicas: 1 }", "minLength", "name" },
        { "{ name: 'aaaaaaaaaaaaaaaaaaaaaaaaa', replicas: 1 }", "maxLength", "name" },
        { "{ name: 'api', replicas: -1 }", "minimum", "replicas" },
        { "{ name: 'api', replicas: 11 }", "maximum", "replicas" },
        { "{ name: 'api', replicas: 1, ratio: 0.0 }", "minimum", "ratio" },
        { "{ name: 'api', replicas: 1, kind: 'cron' }", "enum", "kind" },
        { "{ name: 'api', replicas: 1, ports: [] }", "minItems", "ports" },
        { "{ name: 'api', replicas: 1, ports: [1, 2, 3, 4] }", "maxItems", "ports" },
        { "{ name: 'api', replicas: 1, ports: [1, 1] }", "uniqueItems", "ports" },
        { "{ name: 'api', replicas: 1, ports: ['80'] }", "items", "ports" },
        { "{ name: 'api', replicas: 1, owner: 5 }", "oneOf", "owner" },
        { "{ name: 'api', replicas: 1, image: { tag: 'x' } }", "anyOf", "image" },
        { "{ name: 'api', replicas: 1, tag: 'latest' }", "allOf", "tag" },
        { "{ name: 'api', replicas: 1, surprise: true }", "additionalProperties", "surprise" },
    };

    [Theory]
    [MemberData(nameof(InvalidDocuments))]
    public async Task Invalid_insert_fails_with_121_and_errInfo_naming_the_rule_and_field(string document, string rule, string field)
    {
        await using var db = NewDatabase();
        var services = await CreateServicesAsync(db);

        var error = await Assert.ThrowsAsync<MongoWriteException>(() => services.InsertOneAsync(BsonDocument.Parse(document)));

        Output.WriteLine(error.WriteError.Details?.ToJson() ?? "(no errInfo)");
        Assert.Equal(121, error.WriteError.Code);
        Assert.Contains("Document failed validation", error.WriteError.Message);
        var errInfo = error.WriteError.Details.ToJson();
        Assert.Contains($"\"{rule}\"", errInfo);
        Assert.Contains(field, errInfo);
        Assert.Equal(0, await services.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Valid_documents_are_accepted()
    {
        await using var db = NewDatabase();
        var services = await CreateServicesAsync(db);

        await services.InsertOneAsync(BsonDocument.Parse(
            "{ name: 'api', replicas: 3, ratio: 0.5, kind: 'web', ports: [80, 443], owner: null, image: { repo: 'r' }, tag: 'v1' }"));
        await services.InsertOneAsync(BsonDocument.Parse("{ name: 'worker-1', replicas: 0, owner: 'team', image: 'img' }"));

        Assert.Equal(2, await services.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task ErrInfo_identifies_the_failing_document_and_the_jsonSchema_operator()
    {
        await using var db = NewDatabase();
        var services = await CreateServicesAsync(db);

        var error = await Assert.ThrowsAsync<MongoWriteException>(
            () => services.InsertOneAsync(BsonDocument.Parse("{ _id: 'bad-one', replicas: 1 }")));

        var errInfo = error.WriteError.Details;
        Assert.Equal("bad-one", errInfo["failingDocumentId"].AsString);
        Assert.Equal("$jsonSchema", errInfo["details"]["operatorName"].AsString);
    }

    [Fact]
    public async Task An_update_that_breaks_the_schema_is_refused_and_the_document_is_unchanged()
    {
        await using var db = NewDatabase();
        var services = await CreateServicesAsync(db);
        await services.InsertOneAsync(BsonDocument.Parse("{ _id: 1, name: 'api', replicas: 1 }"));

        var error = await Assert.ThrowsAsync<MongoWriteException>(
            () => services.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { replicas: 99 } }")));

        Assert.Equal(121, error.WriteError.Code);
        Assert.Equal(1, (await services.Find(new BsonDocument("_id", 1)).SingleAsync())["replicas"].AsInt32);
    }

    [Fact]
    public async Task ValidationAction_warn_accepts_an_invalid_document()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("loose", new CreateCollectionOptions<BsonDocument>
        {
            Validator = BsonDocument.Parse(ServiceSchema),
            ValidationAction = DocumentValidationAction.Warn,
        });
        var loose = db.Collection<BsonDocument>("loose");

        await loose.InsertOneAsync(BsonDocument.Parse("{ replicas: 'many' }"));

        Assert.Equal(1, await loose.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task ValidationLevel_moderate_lets_existing_invalid_documents_be_updated()
    {
        await using var db = NewDatabase();
        var legacy = db.Collection<BsonDocument>("legacy");
        await legacy.InsertOneAsync(BsonDocument.Parse("{ _id: 1, note: 'written before the validator' }"));
        await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "collMod", "legacy" },
            { "validator", BsonDocument.Parse("{ $jsonSchema: { required: ['name'] } }") },
            { "validationLevel", "moderate" },
        });

        await legacy.UpdateOneAsync(new BsonDocument("_id", 1), BsonDocument.Parse("{ $set: { note: 'still invalid, but allowed' } }"));
        var error = await Assert.ThrowsAsync<MongoWriteException>(() => legacy.InsertOneAsync(BsonDocument.Parse("{ _id: 2 }")));

        Assert.Equal(121, error.WriteError.Code);
        Assert.Equal("still invalid, but allowed", (await legacy.Find(new BsonDocument("_id", 1)).SingleAsync())["note"].AsString);
    }

    [Fact]
    public async Task ValidationLevel_off_accepts_everything()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("open", new CreateCollectionOptions<BsonDocument>
        {
            Validator = BsonDocument.Parse(ServiceSchema),
            ValidationLevel = DocumentValidationLevel.Off,
        });

        await db.Collection<BsonDocument>("open").InsertOneAsync(BsonDocument.Parse("{ anything: 1 }"));

        Assert.Equal(1, await db.Collection<BsonDocument>("open").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    private static async Task<IMongoCollection<BsonDocument>> CreateServicesAsync(TestDatabase db)
    {
        await db.Database.CreateCollectionAsync("services", new CreateCollectionOptions<BsonDocument> { Validator = BsonDocument.Parse(ServiceSchema) });
        return db.Collection<BsonDocument>("services");
    }
}
