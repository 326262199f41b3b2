using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;
using MongoshRunner = ZonaProcessManager.Testing.Mongosh.Mongosh;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Conformance;

/// <summary>
/// The same conformance through the real mongosh (scripts/ensure-mongosh.sh): collations, let variables and MongoDB's
/// error codes as a shell user meets them. Scripts print one EJSON line prefixed with RESULT.
/// </summary>
[Trait("Category", "Process")]
public sealed class MongoshConformanceTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const string ResultPrefix = "RESULT ";

    [Fact]
    public async Task Shell_queries_with_a_collation_and_let_find_what_MongoDB_finds()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, """
            db.words.insertMany([{ _id: 1, name: 'cafe' }, { _id: 2, name: 'CAFE' }, { _id: 3, name: 'café' }, { _id: 4, name: 'tea' }]);
            const ci = { locale: 'en', strength: 2 };
            const found = db.words.find({ name: 'cafe' }).collation(ci).sort({ _id: 1 }).toArray().map(d => d._id);
            const counted = db.words.countDocuments({ name: 'CAFE' }, { collation: { locale: 'en', strength: 1 } });
            const distinct = db.words.distinct('name', {}, { collation: { locale: 'en', strength: 1 } }).length;
            const updated = db.words.updateMany({ name: 'cafe' }, { $set: { hit: true } }, { collation: ci }).modifiedCount;
            const byLet = db.words.find({ $expr: { $eq: ['$name', '$$wanted'] } }, {}, { let: { wanted: 'tea' } }).toArray().map(d => d._id);
            print('RESULT ' + EJSON.stringify({ found, counted, distinct, updated, byLet }, { relaxed: true }));
            """);

        Assert.Equal(BsonDocument.Parse("{ found: [1, 2], counted: 3, distinct: 2, updated: 2, byLet: [4] }"), result);
    }

    [Fact]
    public async Task Shell_sees_MongoDBs_codes_for_an_unknown_option_a_bad_collation_and_a_dollar_id()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, """
            db.c.insertOne({ _id: 1 });
            const code = f => { try { const r = f(); return r && r.writeErrors ? r.writeErrors[0].code : 0; } catch (e) { return e.code; } };
            const unknownOption = code(() => db.runCommand({ find: 'c', frobnicate: 1 }));
            const missingLocale = code(() => db.c.find({}).collation({ strength: 2 }).toArray());
            const dollarId = code(() => db.c.insertOne({ _id: { $a: 1 } }));
            const updateSort = code(() => db.runCommand({ update: 'c', updates: [{ q: {}, u: { $set: { y: 1 } }, sort: { _id: 1 } }] }));
            print('RESULT ' + EJSON.stringify({ unknownOption, missingLocale, dollarId, updateSort, count: db.c.countDocuments({ y: 1 }) }, { relaxed: true }));
            """);

        Assert.Equal(BsonDocument.Parse("{ unknownOption: 40415, missingLocale: 40414, dollarId: 52, updateSort: 40415, count: 0 }"), result);
    }

    private async Task<BsonDocument> RunAsync(TestDatabase db, string script)
    {
        var mongosh = MongoshRunner.Locate();
        var run = await mongosh.EvalAsync(ConnectionStringFor(db), script);
        Output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, $"mongosh failed: {run}");
        var line = run.Stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"mongosh printed no {ResultPrefix.Trim()} line: {run}");
        return BsonDocument.Parse(line[ResultPrefix.Length..]);
    }

    private string ConnectionStringFor(TestDatabase db) => new MongoUrlBuilder(Target.ConnectionString) { DatabaseName = db.Name }.ToString();
}
