using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class IndexTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    [Fact]
    public async Task Unique_index_refuses_a_duplicate_with_DuplicateKey_11000_and_keeps_the_original()
    {
        await using var db = NewDatabase();
        var users = db.Collection<BsonDocument>("users");
        await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            new BsonDocument("email", 1), new CreateIndexOptions { Unique = true }));
        await users.InsertOneAsync(BsonDocument.Parse("{ _id: 1, email: 'a@x' }"));

        var error = await Assert.ThrowsAsync<MongoWriteException>(() => users.InsertOneAsync(BsonDocument.Parse("{ _id: 2, email: 'a@x' }")));

        Assert.Equal(ServerErrorCategory.DuplicateKey, error.WriteError.Category);
        Assert.Equal(11000, error.WriteError.Code);
        Assert.Contains("E11000", error.WriteError.Message);
        Assert.Equal([1], (await users.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task Duplicate_key_write_error_carries_keyPattern_and_keyValue()
    {
        await using var db = NewDatabase();
        var users = db.Collection<BsonDocument>("users");
        await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("email", 1), new CreateIndexOptions { Unique = true }));
        await users.InsertOneAsync(BsonDocument.Parse("{ _id: 1, email: 'a@x' }"));

        var reply = await db.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{ insert: 'users', documents: [{ _id: 2, email: 'a@x' }] }"));

        var writeError = reply["writeErrors"].AsBsonArray.Single().AsBsonDocument;
        Assert.Equal(11000, writeError["code"].ToInt32());
        Assert.Equal(BsonDocument.Parse("{ email: 1 }"), writeError["keyPattern"].AsBsonDocument);
        Assert.Equal(BsonDocument.Parse("{ email: 'a@x' }"), writeError["keyValue"].AsBsonDocument);
        Assert.Equal(0, reply["n"].ToInt32());
    }

    [Fact]
    public async Task Compound_unique_index_refuses_only_an_equal_combination()
    {
        await using var db = NewDatabase();
        var slots = db.Collection<BsonDocument>("slots");
        await slots.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            BsonDocument.Parse("{ tenant: 1, name: 1 }"), new CreateIndexOptions { Unique = true }));

        await slots.InsertOneAsync(BsonDocument.Parse("{ tenant: 't1', name: 'api' }"));
        await slots.InsertOneAsync(BsonDocument.Parse("{ tenant: 't2', name: 'api' }"));
        await slots.InsertOneAsync(BsonDocument.Parse("{ tenant: 't1', name: 'web' }"));
        var error = await Assert.ThrowsAsync<MongoWriteException>(() => slots.InsertOneAsync(BsonDocument.Parse("{ tenant: 't1', name: 'api' }")));

        Assert.Equal(11000, error.WriteError.Code);
        Assert.Equal(3, await slots.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Unique_index_also_guards_updates()
    {
        await using var db = NewDatabase();
        var users = db.Collection<BsonDocument>("users");
        await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("email", 1), new CreateIndexOptions { Unique = true }));
        await users.InsertManyAsync([BsonDocument.Parse("{ _id: 1, email: 'a' }"), BsonDocument.Parse("{ _id: 2, email: 'b' }")]);

        var error = await Assert.ThrowsAsync<MongoWriteException>(
            () => users.UpdateOneAsync(new BsonDocument("_id", 2), BsonDocument.Parse("{ $set: { email: 'a' } }")));

        Assert.Equal(11000, error.WriteError.Code);
        Assert.Equal("b", (await users.Find(new BsonDocument("_id", 2)).SingleAsync())["email"].AsString);
    }

    [Fact]
    public async Task Creating_a_unique_index_over_existing_duplicates_fails()
    {
        await using var db = NewDatabase();
        var users = db.Collection<BsonDocument>("users");
        await users.InsertManyAsync([BsonDocument.Parse("{ email: 'a' }"), BsonDocument.Parse("{ email: 'a' }")]);

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => users.Indexes.CreateOneAsync(
            new CreateIndexModel<BsonDocument>(new BsonDocument("email", 1), new CreateIndexOptions { Unique = true })));

        Assert.Equal(11000, error.Code);
        Assert.Equal(["_id_"], await IndexNamesAsync(users));
    }

    [Fact]
    public async Task ListIndexes_shows_id_and_created_indexes_and_dropIndex_removes_one()
    {
        await using var db = NewDatabase();
        var users = db.Collection<BsonDocument>("users");
        await users.InsertOneAsync(new BsonDocument("x", 1));
        var uniqueName = await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            BsonDocument.Parse("{ email: 1 }"), new CreateIndexOptions { Unique = true }));
        var compoundName = await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            BsonDocument.Parse("{ a: 1, b: -1 }"), new CreateIndexOptions { Name = "a_then_b" }));

        var indexes = await (await users.Indexes.ListAsync()).ToListAsync();

        Assert.Equal("email_1", uniqueName);
        Assert.Equal("a_then_b", compoundName);
        Assert.Equal(["_id_", "a_then_b", "email_1"], indexes.Select(i => i["name"].AsString).Order());
        var email = indexes.Single(i => i["name"] == "email_1");
        Assert.True(email["unique"].ToBoolean());
        Assert.Equal(BsonDocument.Parse("{ email: 1 }"), email["key"].AsBsonDocument);
        Assert.Equal(BsonDocument.Parse("{ a: 1, b: -1 }"), indexes.Single(i => i["name"] == "a_then_b")["key"].AsBsonDocument);

        await users.Indexes.DropOneAsync("email_1");
        Assert.Equal(["_id_", "a_then_b"], await IndexNamesAsync(users));
        await users.InsertManyAsync([BsonDocument.Parse("{ email: 'same' }"), BsonDocument.Parse("{ email: 'same' }")]);
    }

    [Fact]
    public async Task Creating_the_same_index_twice_is_a_no_op()
    {
        await using var db = NewDatabase();
        var users = db.Collection<BsonDocument>("users");
        var model = new CreateIndexModel<BsonDocument>(BsonDocument.Parse("{ email: 1 }"), new CreateIndexOptions { Unique = true });

        await users.Indexes.CreateOneAsync(model);
        await users.Indexes.CreateOneAsync(model);

        Assert.Equal(["_id_", "email_1"], await IndexNamesAsync(users));
    }

    [Fact]
    public async Task The_id_index_cannot_be_dropped()
    {
        await using var db = NewDatabase();
        var users = db.Collection<BsonDocument>("users");
        await users.InsertOneAsync(new BsonDocument("x", 1));

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => users.Indexes.DropOneAsync("_id_"));

        Assert.Equal(72, error.Code);
        Assert.Equal(["_id_"], await IndexNamesAsync(users));
    }

    [Fact]
    public async Task TTL_index_removes_an_expired_document_and_keeps_a_fresh_one()
    {
        await using var db = NewDatabase();
        var sessions = db.Collection<BsonDocument>("sessions");
        await sessions.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            new BsonDocument("lastSeen", 1), new CreateIndexOptions { ExpireAfter = TimeSpan.FromSeconds(30) }));
        await sessions.InsertOneAsync(new BsonDocument { { "_id", "stale" }, { "lastSeen", DateTime.UtcNow.AddHours(-1) } });
        await sessions.InsertOneAsync(new BsonDocument { { "_id", "fresh" }, { "lastSeen", DateTime.UtcNow.AddHours(1) } });

        var ttlIndex = (await (await sessions.Indexes.ListAsync()).ToListAsync()).Single(i => i["name"] == "lastSeen_1");
        Assert.Equal(30, ttlIndex["expireAfterSeconds"].ToInt32());

        // MongoDB's TTL monitor runs every 60 s, so a real server may need up to two passes.
        var deadline = Target.IsEmbedded ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(150);
        await Eventually.TrueAsync(
            async () => await sessions.CountDocumentsAsync(new BsonDocument("_id", "stale")) == 0,
            deadline,
            "the TTL monitor to delete the expired document");

        Assert.Equal(1, await sessions.CountDocumentsAsync(new BsonDocument("_id", "fresh")));
    }

    private static async Task<List<string>> IndexNamesAsync(IMongoCollection<BsonDocument> collection) =>
        (await (await collection.Indexes.ListAsync()).ToListAsync()).Select(i => i["name"].AsString).Order().ToList();

    [Fact]
    public async Task A_query_on_the_leading_field_of_a_compound_index_reads_only_the_matching_documents()
    {
        await using var db = NewDatabase();
        var specs = await SeedTenantsAsync(db, tenants: 20, namesPerTenant: 10);

        var explained = await ExplainFindAsync(db, new BsonDocument("metadata.tenant", "t03"));

        var stats = explained["executionStats"].AsBsonDocument;
        Assert.Equal(10, stats["nReturned"].ToInt32());
        Assert.Equal(10, stats["totalDocsExamined"].ToInt32());
        Assert.Contains("IXSCAN", Stages(explained["queryPlanner"]["winningPlan"]));
        Assert.Equal(10, await specs.CountDocumentsAsync(new BsonDocument("metadata.tenant", "t03")));
    }

    [Fact]
    public async Task An_or_of_id_and_an_indexed_pair_is_answered_from_the_indexes_not_by_a_scan()
    {
        await using var db = NewDatabase();
        var specs = await SeedTenantsAsync(db, tenants: 20, namesPerTenant: 10);
        // The shape the operator reads a resource with: by its _id, or by (tenant, name) for documents mongosh inserted.
        var filter = BsonDocument.Parse("{ $or: [ { _id: 't07/svc-4' }, { 'metadata.name': 'svc-4', 'metadata.tenant': 't07' } ] }");

        var explained = await ExplainFindAsync(db, filter);

        var stats = explained["executionStats"].AsBsonDocument;
        Assert.Equal(1, stats["nReturned"].ToInt32());
        Assert.InRange(stats["totalDocsExamined"].ToInt32(), 1, 2);
        Assert.DoesNotContain("COLLSCAN", Stages(explained["queryPlanner"]["winningPlan"]));
        Assert.Equal("t07/svc-4", (await specs.Find(filter).SingleAsync())["_id"].AsString);
    }

    [Fact]
    public async Task A_query_on_an_unindexed_field_is_explained_as_a_scan_of_every_document()
    {
        await using var db = NewDatabase();
        await SeedTenantsAsync(db, tenants: 4, namesPerTenant: 5);

        var explained = await ExplainFindAsync(db, new BsonDocument("spec.replicas", 3));

        Assert.Contains("COLLSCAN", Stages(explained["queryPlanner"]["winningPlan"]));
        Assert.Equal(20, explained["executionStats"]["totalDocsExamined"].ToInt32());
        Assert.Equal(4, explained["executionStats"]["nReturned"].ToInt32());
    }

    private static async Task<IMongoCollection<BsonDocument>> SeedTenantsAsync(TestDatabase db, int tenants, int namesPerTenant)
    {
        var specs = db.Collection<BsonDocument>("specs");
        await specs.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            BsonDocument.Parse("{ 'metadata.tenant': 1, 'metadata.name': 1 }"), new CreateIndexOptions { Unique = true }));
        var documents = Enumerable.Range(0, tenants).SelectMany(t => Enumerable.Range(0, namesPerTenant).Select(n => new BsonDocument
        {
            { "_id", $"t{t:00}/svc-{n}" },
            { "metadata", new BsonDocument { { "tenant", $"t{t:00}" }, { "name", $"svc-{n}" } } },
            { "spec", new BsonDocument("replicas", n % 5) },
        }));
        await specs.InsertManyAsync(documents);
        return specs;
    }

    private static Task<BsonDocument> ExplainFindAsync(TestDatabase db, BsonDocument filter) =>
        db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "explain", new BsonDocument { { "find", "specs" }, { "filter", filter } } },
            { "verbosity", "executionStats" },
        });

    /// <summary>Every stage name in a plan tree; MongoDB's slot-based engine nests the plan under queryPlan, so search it all.</summary>
    private static List<string> Stages(BsonValue plan) => plan switch
    {
        BsonDocument document => document.Elements
            .SelectMany(e => e.Name == "stage" && e.Value.IsString ? [e.Value.AsString] : Stages(e.Value))
            .ToList(),
        BsonArray array => array.SelectMany(Stages).ToList(),
        _ => [],
    };
}
