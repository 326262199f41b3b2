using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;
using MongoshRunner = ZonaProcessManager.Testing.Mongosh.Mongosh;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Mongosh;

/// <summary>
/// Change streams as a shell user meets them through the real mongosh (scripts/ensure-mongosh.sh): expanded events,
/// pre- and post-images behind changeStreamPreAndPostImages, disambiguatedPaths, and MongoDB's error codes and labels.
/// Scripts print one EJSON line prefixed with RESULT.
/// </summary>
[Trait("Category", "Process")]
public sealed class MongoshChangeStreamTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const string ResultPrefix = "RESULT ";

    // Reads the next event of a stream, waiting up to 20 s; every script below uses it.
    private const string NextEvent = """
        const next = cs => { const until = Date.now() + 20000; let e = null; while (e === null && Date.now() < until) { e = cs.tryNext(); } return e; };
        const code = f => { try { f(); return 0; } catch (e) { return { code: e.code, labels: e.errorLabels || [] }; } };

        """;

    [Fact]
    public async Task Shell_sees_expanded_events_and_disambiguated_paths_only_when_it_asks_for_them()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, NextEvent + """
            const expanded = db.watch([], { showExpandedEvents: true });
            const plain = db.watch([]);
            expanded.tryNext(); plain.tryNext();
            db.createCollection('c');
            db.c.createIndex({ x: 1 });
            db.c.insertOne({ _id: 1, a: { '7': 1 } });
            db.c.updateOne({ _id: 1 }, { $set: { 'a.7': 2 } });
            const seen = [next(expanded), next(expanded), next(expanded), next(expanded)];
            const plainSeen = [next(plain), next(plain)];
            expanded.close(); plain.close();
            print('RESULT ' + EJSON.stringify({
              expanded: seen.map(e => e.operationType),
              plain: plainSeen.map(e => e.operationType),
              index: seen[1].operationDescription.indexes[0].name,
              uuidOnInsert: seen[2].collectionUUID !== undefined,
              uuidOnPlainInsert: plainSeen[0].collectionUUID !== undefined,
              paths: seen[3].updateDescription.disambiguatedPaths,
              plainHasPaths: 'disambiguatedPaths' in plainSeen[1].updateDescription,
            }, { relaxed: true }));
            """);

        Assert.Equal(
            BsonDocument.Parse("""
                { expanded: ['create', 'createIndexes', 'insert', 'update'], plain: ['insert', 'update'], index: 'x_1',
                  uuidOnInsert: true, uuidOnPlainInsert: false, paths: { 'a.7': ['a', '7'] }, plainHasPaths: false }
                """),
            result);
    }

    [Fact]
    public async Task Shell_gets_images_only_from_collections_that_record_them_and_MongoDBs_error_codes()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, NextEvent + """
            db.createCollection('kept', { changeStreamPreAndPostImages: { enabled: true } });
            db.createCollection('plain');
            db.kept.insertOne({ _id: 1, v: 1 });
            db.plain.insertOne({ _id: 1, v: 1 });
            const kept = db.kept.watch([], { fullDocument: 'required', fullDocumentBeforeChange: 'required' });
            const plain = db.plain.watch([], { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' });
            const strict = db.plain.watch([], { fullDocumentBeforeChange: 'required' });
            const stripped = db.plain.watch([{ $project: { _id: 0 } }]);
            kept.tryNext(); plain.tryNext(); strict.tryNext(); stripped.tryNext();
            db.kept.updateOne({ _id: 1 }, { $set: { v: 2 } });
            db.plain.updateOne({ _id: 1 }, { $set: { v: 2 } });
            const keptEvent = next(kept);
            const plainEvent = next(plain);
            const missing = code(() => next(strict));
            const fatal = code(() => next(stripped));
            const unknownStage = code(() => db.plain.watch([{ $frobnicate: {} }]).tryNext());
            print('RESULT ' + EJSON.stringify({
              after: keptEvent.fullDocument, before: keptEvent.fullDocumentBeforeChange,
              plainAfter: plainEvent.fullDocument, plainBefore: plainEvent.fullDocumentBeforeChange,
              missing: missing.code, fatal: fatal.code, fatalNonResumable: fatal.labels.includes('NonResumableChangeStreamError'),
              unknownStage: unknownStage.code,
            }, { relaxed: true }));
            """);

        Assert.Equal(
            BsonDocument.Parse("""
                { after: { _id: 1, v: 2 }, before: { _id: 1, v: 1 }, plainAfter: null, plainBefore: null,
                  missing: 47, fatal: 280, fatalNonResumable: true, unknownStage: 40324 }
                """),
            result);
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
