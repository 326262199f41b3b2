using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class CollectionTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly BsonDocument RequiresName = BsonDocument.Parse("{ $jsonSchema: { bsonType: 'object', required: ['name'] } }");

    [Fact]
    public async Task Create_with_validator_options_is_listed_with_those_options()
    {
        await using var db = NewDatabase();

        await db.Database.CreateCollectionAsync("specs", new CreateCollectionOptions<BsonDocument>
        {
            Validator = RequiresName,
            ValidationLevel = DocumentValidationLevel.Moderate,
            ValidationAction = DocumentValidationAction.Error,
        });

        var listed = await (await db.Database.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", "specs") })).SingleAsync();
        Assert.Equal("collection", listed["type"].AsString);
        Assert.Equal(RequiresName, listed["options"]["validator"].AsBsonDocument);
        Assert.Equal("moderate", listed["options"]["validationLevel"].AsString);
        Assert.Equal("error", listed["options"]["validationAction"].AsString);
    }

    [Fact]
    public async Task ListCollections_filters_by_name_and_nameOnly_lists_just_names()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("alpha");
        await db.Database.CreateCollectionAsync("beta");
        await db.Collection<BsonDocument>("gamma").InsertOneAsync(new BsonDocument("x", 1));

        var names = await (await db.Database.ListCollectionNamesAsync()).ToListAsync();
        var filtered = await (await db.Database.ListCollectionsAsync(new ListCollectionsOptions
        {
            Filter = new BsonDocument("name", new BsonDocument("$in", new BsonArray { "alpha", "gamma" })),
        })).ToListAsync();
        var nameOnly = await db.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{ listCollections: 1, nameOnly: true, filter: { name: 'beta' } }"));

        Assert.Equal(["alpha", "beta", "gamma"], names.Order());
        Assert.Equal(["alpha", "gamma"], filtered.Select(c => c["name"].AsString).Order());
        var beta = nameOnly["cursor"]["firstBatch"].AsBsonArray.Single().AsBsonDocument;
        Assert.Equal("beta", beta["name"].AsString);
        Assert.False(beta.Contains("options"));
    }

    [Fact]
    public async Task Creating_an_existing_collection_with_different_options_fails_with_NamespaceExists()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");

        // Recent MongoDB versions accept a repeated create with identical options; different options are always refused.
        var error = await Assert.ThrowsAsync<MongoCommandException>(() => db.Database.CreateCollectionAsync(
            "c", new CreateCollectionOptions<BsonDocument> { Validator = RequiresName }));

        Assert.Equal(48, error.Code);
    }

    [Fact]
    public async Task CollMod_replaces_the_validator_for_later_writes()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("specs", new CreateCollectionOptions<BsonDocument> { Validator = RequiresName });
        var specs = db.Collection<BsonDocument>("specs");
        await Assert.ThrowsAsync<MongoWriteException>(() => specs.InsertOneAsync(new BsonDocument("other", 1)));

        await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "collMod", "specs" },
            { "validator", BsonDocument.Parse("{ $jsonSchema: { required: ['other'] } }") },
        });

        await specs.InsertOneAsync(new BsonDocument("other", 1));
        await Assert.ThrowsAsync<MongoWriteException>(() => specs.InsertOneAsync(new BsonDocument("name", "n")));
        var listed = await (await db.Database.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", "specs") })).SingleAsync();
        Assert.Equal(BsonDocument.Parse("{ $jsonSchema: { required: ['other'] } }"), listed["options"]["validator"].AsBsonDocument);
    }

    [Fact]
    public async Task Drop_removes_the_collection_and_its_documents()
    {
        await using var db = NewDatabase();
        var doomed = db.Collection<BsonDocument>("doomed");
        await doomed.InsertOneAsync(new BsonDocument("x", 1));
        await db.Collection<BsonDocument>("kept").InsertOneAsync(new BsonDocument("x", 1));

        await db.Database.DropCollectionAsync("doomed");

        Assert.Equal(["kept"], await (await db.Database.ListCollectionNamesAsync()).ToListAsync());
        Assert.Equal(0, await doomed.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task RenameCollection_moves_documents_and_indexes_and_refuses_an_existing_target()
    {
        await using var db = NewDatabase();
        var source = db.Collection<BsonDocument>("old");
        await source.InsertManyAsync([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        await source.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("k", 1)));
        await db.Database.CreateCollectionAsync("taken");

        await db.Database.RenameCollectionAsync("old", "new");
        var error = await Assert.ThrowsAsync<MongoCommandException>(() => db.Database.RenameCollectionAsync("new", "taken"));

        Assert.Equal(48, error.Code);
        Assert.Equal(["new", "taken"], (await (await db.Database.ListCollectionNamesAsync()).ToListAsync()).Order());
        var renamed = db.Collection<BsonDocument>("new");
        Assert.Equal(2, await renamed.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Contains("k_1", (await (await renamed.Indexes.ListAsync()).ToListAsync()).Select(i => i["name"].AsString));
    }

    [Fact]
    public async Task RenameCollection_with_dropTarget_replaces_the_target()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("src").InsertOneAsync(new BsonDocument("_id", "from-src"));
        await db.Collection<BsonDocument>("dst").InsertOneAsync(new BsonDocument("_id", "from-dst"));

        await db.Database.RenameCollectionAsync("src", "dst", new RenameCollectionOptions { DropTarget = true });

        var ids = await db.Collection<BsonDocument>("dst").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(["from-src"], ids.Select(d => d["_id"].AsString));
    }

    [Fact]
    public async Task DropDatabase_removes_every_collection_of_that_database_only()
    {
        await using var db = NewDatabase();
        await using var other = NewDatabase();
        await db.Collection<BsonDocument>("a").InsertOneAsync(new BsonDocument("x", 1));
        await db.Collection<BsonDocument>("b").InsertOneAsync(new BsonDocument("x", 1));
        await other.Collection<BsonDocument>("a").InsertOneAsync(new BsonDocument("x", 1));

        await db.Client.DropDatabaseAsync(db.Name);

        Assert.DoesNotContain(db.Name, await (await db.Client.ListDatabaseNamesAsync()).ToListAsync());
        Assert.Empty(await (await db.Database.ListCollectionNamesAsync()).ToListAsync());
        Assert.Equal(1, await other.Collection<BsonDocument>("a").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }
}
