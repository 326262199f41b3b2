using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Conformance;

/// <summary>
/// Collations as MongoDB documents them (ICU rules): equality and order of strings follow the command's collation, or the
/// collection's default; without one, strings compare binary.
/// </summary>
public sealed class CollationTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static readonly Collation CaseInsensitive = new("en", strength: CollationStrength.Secondary);
    private static readonly Collation BaseLettersOnly = new("en", strength: CollationStrength.Primary);

    private static readonly FilterDefinition<BsonDocument> Cafe = new BsonDocument("name", "cafe");

    private async Task<IMongoCollection<BsonDocument>> SpellingsAsync(TestDatabase db)
    {
        var collection = db.Collection<BsonDocument>("words");
        await collection.InsertManyAsync(
        [
            new BsonDocument { { "_id", 1 }, { "name", "cafe" } },
            new BsonDocument { { "_id", 2 }, { "name", "CAFE" } },
            new BsonDocument { { "_id", 3 }, { "name", "café" } },
            new BsonDocument { { "_id", 4 }, { "name", "tea" } },
        ]);
        return collection;
    }

    [Fact]
    public async Task Find_with_a_case_insensitive_collation_matches_every_case_but_not_other_accents()
    {
        await using var db = NewDatabase();
        var words = await SpellingsAsync(db);

        var binary = await words.Find(Cafe).ToListAsync();
        var caseInsensitive = await words.Find(Cafe, new FindOptions { Collation = CaseInsensitive }).SortBy(d => d["_id"]).ToListAsync();
        var baseLetters = await words.Find(Cafe, new FindOptions { Collation = BaseLettersOnly }).SortBy(d => d["_id"]).ToListAsync();

        Assert.Equal([1], binary.Select(d => d["_id"].AsInt32));
        Assert.Equal([1, 2], caseInsensitive.Select(d => d["_id"].AsInt32));
        Assert.Equal([1, 2, 3], baseLetters.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task Count_and_countDocuments_follow_the_collation()
    {
        await using var db = NewDatabase();
        var words = await SpellingsAsync(db);

        var counted = await words.CountDocumentsAsync(Cafe, new CountOptions { Collation = CaseInsensitive });
        var raw = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "count", "words" }, { "query", new BsonDocument("name", "CAFÉ") }, { "collation", BaseLettersOnly.ToBsonDocument() },
        });

        Assert.Equal(2, counted);
        Assert.Equal(3, raw["n"].ToInt32());
    }

    [Fact]
    public async Task Distinct_with_a_collation_returns_one_value_per_equivalence()
    {
        await using var db = NewDatabase();
        var words = await SpellingsAsync(db);

        var binary = await (await words.DistinctAsync<string>("name", FilterDefinition<BsonDocument>.Empty)).ToListAsync();
        var baseLetters = await (await words.DistinctAsync<string>("name", FilterDefinition<BsonDocument>.Empty, new DistinctOptions { Collation = BaseLettersOnly })).ToListAsync();

        Assert.Equal(4, binary.Count);
        Assert.Equal(2, baseLetters.Count);
        Assert.Contains(baseLetters, v => v.Equals("cafe", StringComparison.OrdinalIgnoreCase) || v == "café");
        Assert.Contains("tea", baseLetters);
    }

    [Fact]
    public async Task UpdateMany_deleteMany_and_findOneAndUpdate_match_by_the_collation()
    {
        await using var db = NewDatabase();
        var words = await SpellingsAsync(db);

        var updated = await words.UpdateManyAsync(Cafe, Builders<BsonDocument>.Update.Set("seen", true), new UpdateOptions { Collation = CaseInsensitive });
        var found = await words.FindOneAndUpdateAsync(new BsonDocument("name", "CAFÉ"), Builders<BsonDocument>.Update.Set("accent", true),
            new FindOneAndUpdateOptions<BsonDocument> { Collation = CaseInsensitive, ReturnDocument = ReturnDocument.After });
        var deleted = await words.DeleteManyAsync(Cafe, new DeleteOptions { Collation = BaseLettersOnly });

        Assert.Equal(2, updated.MatchedCount);
        Assert.Equal(2, updated.ModifiedCount);
        Assert.NotNull(found);
        Assert.Equal(3, found["_id"].AsInt32);
        Assert.Equal(3, deleted.DeletedCount);
        Assert.Equal(["tea"], (await words.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["name"].AsString));
    }

    [Fact]
    public async Task Aggregate_groups_and_matches_by_the_collation()
    {
        await using var db = NewDatabase();
        var words = await SpellingsAsync(db);

        var groups = await words.Aggregate(new AggregateOptions { Collation = BaseLettersOnly })
            .Group(new BsonDocument { { "_id", "$name" }, { "n", new BsonDocument("$sum", 1) } })
            .ToListAsync();
        var matched = await words.Aggregate(new AggregateOptions { Collation = CaseInsensitive })
            .Match(Cafe)
            .Count()
            .SingleAsync();

        Assert.Equal([1, 3], groups.Select(g => g["n"].ToInt32()).Order());
        Assert.Equal(2, matched.Count);
    }

    [Fact]
    public async Task Sort_follows_english_rules_lower_case_first_and_numeric_ordering_when_asked()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("sorted");
        await collection.InsertManyAsync(new[] { "b", "B", "a", "A", "10", "9", "2" }.Select((s, i) => new BsonDocument { { "_id", i }, { "s", s } }));

        var binary = await collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("s", 1)).ToListAsync();
        var english = await collection.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { Collation = new Collation("en") }).Sort(new BsonDocument("s", 1)).ToListAsync();
        var numeric = await collection.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { Collation = new Collation("en", numericOrdering: true) }).Sort(new BsonDocument("s", 1)).ToListAsync();

        Assert.Equal(["10", "2", "9", "A", "B", "a", "b"], binary.Select(d => d["s"].AsString));
        Assert.Equal(["10", "2", "9", "a", "A", "b", "B"], english.Select(d => d["s"].AsString));
        Assert.Equal(["2", "9", "10", "a", "A", "b", "B"], numeric.Select(d => d["s"].AsString));
    }

    [Fact]
    public async Task Case_level_tells_cases_apart_at_strength_one_while_accents_stay_equal()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("letters");
        await collection.InsertManyAsync(new[] { "a", "A", "á" }.Select((s, i) => new BsonDocument { { "_id", i }, { "s", s } }));

        var found = await collection.Find(new BsonDocument("s", "a"), new FindOptions { Collation = new Collation("en", strength: CollationStrength.Primary, caseLevel: true) })
            .SortBy(d => d["_id"]).ToListAsync();

        Assert.Equal(["a", "á"], found.Select(d => d["s"].AsString));
    }

    [Fact]
    public async Task A_collections_default_collation_applies_to_commands_without_one_and_is_listed_in_full()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("words", new CreateCollectionOptions { Collation = CaseInsensitive });
        var words = db.Collection<BsonDocument>("words");
        await words.InsertManyAsync([new BsonDocument("name", "cafe"), new BsonDocument("name", "CAFE")]);

        var found = await words.CountDocumentsAsync(Cafe);
        var simple = await words.CountDocumentsAsync(Cafe, new CountOptions { Collation = Collation.Simple });
        var info = await (await db.Database.ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", "words") })).SingleAsync();

        Assert.Equal(2, found);
        Assert.Equal(1, simple);
        var collation = info["options"]["collation"].AsBsonDocument;
        Assert.Equal("en", collation["locale"].AsString);
        Assert.Equal(2, collation["strength"].ToInt32());
        Assert.False(collation["caseLevel"].AsBoolean);
        Assert.False(collation["numericOrdering"].AsBoolean);
    }

    [Fact]
    public async Task An_index_with_a_collation_is_listed_with_it_and_queries_with_that_collation_still_find_every_match()
    {
        await using var db = NewDatabase();
        var words = await SpellingsAsync(db);
        await words.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1), new CreateIndexOptions { Collation = CaseInsensitive, Name = "name_ci" }));

        var indexes = await (await words.Indexes.ListAsync()).ToListAsync();
        var collated = await words.Find(Cafe, new FindOptions { Collation = CaseInsensitive }).SortBy(d => d["_id"]).ToListAsync();
        var binary = await words.Find(Cafe).ToListAsync();

        var index = indexes.Single(i => i["name"] == "name_ci");
        Assert.Equal("en", index["collation"]["locale"].AsString);
        Assert.Equal(2, index["collation"]["strength"].ToInt32());
        Assert.Equal([1, 2], collated.Select(d => d["_id"].AsInt32));
        Assert.Equal([1], binary.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task A_binary_index_serves_a_query_without_collation_but_not_one_with_a_different_collation()
    {
        await using var db = NewDatabase();
        var words = await SpellingsAsync(db);
        await words.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("name", 1)));

        var binary = await ExplainAsync(db, null);
        var collated = await ExplainAsync(db, CaseInsensitive.ToBsonDocument());

        Assert.Contains("IXSCAN", binary.ToJson());
        Assert.DoesNotContain("IXSCAN", collated.ToJson());
        Assert.Contains("COLLSCAN", collated.ToJson());
    }

    private static async Task<BsonDocument> ExplainAsync(TestDatabase db, BsonDocument? collation)
    {
        var find = new BsonDocument { { "find", "words" }, { "filter", new BsonDocument("name", "cafe") } };
        if (collation is not null)
        {
            find["collation"] = collation;
        }

        var explained = await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument { { "explain", find }, { "verbosity", "queryPlanner" } });
        return explained["queryPlanner"]["winningPlan"].AsBsonDocument;
    }

    [Theory]
    [InlineData("{ strength: 2 }", 40414)]
    [InlineData("{ locale: 'en', colour: 'blue' }", 40415)]
    [InlineData("{ locale: 'en', strength: 9 }", 2)]
    [InlineData("{ locale: 'xx' }", 2)]
    public async Task An_invalid_collation_is_refused_with_MongoDBs_code(string collation, int code)
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("x", 1));

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "find", "c" }, { "filter", new BsonDocument() }, { "collation", BsonDocument.Parse(collation) },
        }));

        Output.WriteLine(error.Message);
        Assert.Equal(code, error.Code);
    }
}
