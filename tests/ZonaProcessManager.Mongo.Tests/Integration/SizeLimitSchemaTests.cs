using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Mongo.Tests.Documents;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>The installed validators refuse oversized strings and arrays (SpecLimits) at insert time.</summary>
public sealed class SizeLimitSchemaTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly string Mebibyte = new('a', 1024 * 1024);

    public static TheoryData<string, string, BsonDocument> Oversized() => new()
    {
        { "1 MiB command argument", ZpmCollections.Services, With(ServiceDocuments.Valid("web"), d => d["spec"]["command"] = new BsonArray { "sh", Mebibyte }) },
        { "257 command arguments", ZpmCollections.Services, With(ServiceDocuments.Valid("web"), d => d["spec"]["command"] = new BsonArray(Enumerable.Repeat("x", 257))) },
        { "1 MiB env value", ZpmCollections.Services, With(ServiceDocuments.Valid("web"), d => d["spec"]["env"] = new BsonDocument("BIG", Mebibyte)) },
        { "513-character image", ZpmCollections.Services, With(ServiceDocuments.Valid("web"), d => d["spec"]["image"] = new string('i', 513)) },
        { "17 networks", ZpmCollections.Services, With(ServiceDocuments.Valid("web"), d => d["spec"]["networks"] = new BsonArray(Enumerable.Range(0, 17).Select(i => $"n{i}"))) },
        { "65 labels", ZpmCollections.Services, With(ServiceDocuments.Valid("web"), d => d["metadata"]["labels"] = new BsonDocument(Enumerable.Range(0, 65).Select(i => new BsonElement($"l{i}", "v")))) },
        { "catalog 1 MiB command argument", ZpmCollections.Catalog, With(IntegrationDocuments.Definition(), d => d["spec"]["command"] = new BsonArray { Mebibyte }) },
        { "catalog 1 MiB parameter default", ZpmCollections.Catalog, With(IntegrationDocuments.Definition(), d => d["spec"]["parameters"][0]["default"] = Mebibyte) },
        { "integration 1 MiB parameter", ZpmCollections.Integrations, With(IntegrationDocuments.Integration(), d => d["spec"]["parameters"]["apiKey"] = Mebibyte) },
        { "tenant 1025-character display name", ZpmCollections.Tenants, With(IntegrationDocuments.Tenant(), d => d["spec"]["displayName"] = new string('d', 1025)) },
    };

    [Theory]
    [MemberData(nameof(Oversized))]
    public async Task The_installed_validators_refuse_oversized_documents(string problem, string collection, BsonDocument document)
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);

        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => database.Collection<BsonDocument>(collection).InsertOneAsync(document));

        output.WriteLine($"{problem}: refused with {refused.WriteError.Code}");
        Assert.Equal(121, refused.WriteError.Code);
    }

    [Fact]
    public void A_catalog_entry_read_past_the_validator_names_the_oversized_argument()
    {
        var stored = IntegrationDocumentMapper.ReadDefinition(With(IntegrationDocuments.Definition(), d => d["spec"]["command"] = new BsonArray { "sh", Mebibyte }));

        Assert.Null(stored.Definition);
        Assert.Contains("spec.command[1]: is 1048576 bytes; at most 131071", stored.InvalidReason);
    }

    private static BsonDocument With(BsonDocument document, Action<BsonDocument> change)
    {
        change(document);
        return document;
    }
}
