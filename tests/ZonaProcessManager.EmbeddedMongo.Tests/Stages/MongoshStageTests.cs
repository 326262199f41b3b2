using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;
using MongoshRunner = ZonaProcessManager.Testing.Mongosh.Mongosh;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Stages;

/// <summary>
/// Views, $out, $merge and database-level aggregates as a mongosh user meets them (db.createView, coll.aggregate,
/// db.aggregate), with MongoDB's error codes. Scripts print one EJSON line prefixed with RESULT.
/// </summary>
[Trait("Category", "Process")]
public sealed class MongoshStageTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const string ResultPrefix = "RESULT ";

    [Fact]
    public async Task Shell_creates_and_reads_a_view_and_its_writes_are_refused()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, """
            db.stock.insertMany([{ _id: 1, item: 'nut', qty: 3 }, { _id: 2, item: 'bolt', qty: 12 }, { _id: 3, item: 'gear', qty: 40 }]);
            db.createView('plenty', 'stock', [{ $match: { qty: { $gte: 10 } } }, { $project: { _id: 0, item: 1 } }]);
            const code = f => { try { const r = f(); return r && r.writeErrors ? r.writeErrors[0].code : 0; } catch (e) { return e.code; } };
            const items = db.plenty.find().sort({ item: 1 }).toArray().map(d => d.item);
            const counted = db.plenty.countDocuments({});
            const type = db.getCollectionInfos({ name: 'plenty' })[0].type;
            const insert = code(() => db.plenty.insertOne({ item: 'x', qty: 99 }));
            const update = code(() => db.plenty.updateMany({}, { $set: { qty: 0 } }));
            const index = code(() => db.plenty.createIndex({ item: 1 }));
            print('RESULT ' + EJSON.stringify({ items, counted, type, insert, update, index, stock: db.stock.countDocuments({}) }, { relaxed: true }));
            """);

        Assert.Equal(BsonDocument.Parse("{ items: ['bolt', 'gear'], counted: 2, type: 'view', insert: 166, update: 166, index: 166, stock: 3 }"), result);
    }

    [Fact]
    public async Task Shell_aggregates_with_merge_and_out_and_documents()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, """
            db.sales.insertMany([{ _id: 1, region: 'north', amount: 5 }, { _id: 2, region: 'north', amount: 7 }, { _id: 3, region: 'south', amount: 1 }]);
            db.totals.insertOne({ _id: 'north', total: 100, note: 'kept' });
            db.sales.aggregate([{ $group: { _id: '$region', total: { $sum: '$amount' } } }, { $merge: { into: 'totals', whenMatched: 'merge', whenNotMatched: 'insert' } }]);
            const merged = db.totals.find().sort({ _id: 1 }).toArray();
            db.sales.aggregate([{ $match: { region: 'south' } }, { $out: 'south' }]);
            const south = db.south.find().toArray().map(d => d._id);
            const seeded = db.aggregate([{ $documents: [{ v: 1 }, { v: 2 }, { v: 3 }] }, { $group: { _id: null, sum: { $sum: '$v' } } }]).toArray()[0].sum;
            const code = f => { try { const r = f(); return r && r.length >= 0 ? 0 : -1; } catch (e) { return e.code; } };
            const failOnMatch = code(() => db.sales.aggregate([{ $group: { _id: '$region' } }, { $merge: { into: 'totals', whenMatched: 'fail' } }]).toArray());
            const noMatch = code(() => db.sales.aggregate([{ $project: { _id: 99 } }, { $merge: { into: 'totals', whenNotMatched: 'fail' } }]).toArray());
            const notLast = code(() => db.sales.aggregate([{ $out: 'x' }, { $match: {} }]).toArray());
            print('RESULT ' + EJSON.stringify({ merged, south, seeded, failOnMatch, noMatch, notLast }, { relaxed: true }));
            """);

        Assert.Equal(BsonDocument.Parse("""
            {
              merged: [{ _id: 'north', total: 12, note: 'kept' }, { _id: 'south', total: 1 }],
              south: [3], seeded: 6, failOnMatch: 11000, noMatch: 13113, notLast: 40601
            }
            """), result);
    }

    [Fact]
    public async Task Shell_sees_its_own_operation_in_currentOp_and_its_session_in_listLocalSessions()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, """
            const marker = 'op-' + new ObjectId().toHexString();
            const admin = db.getSiblingDB('admin');
            const byHelper = db.currentOp({ op: 'command', 'command.aggregate': 1 }).inprog.filter(o => o.command.pipeline[0].$currentOp !== undefined);
            const byStage = admin.aggregate([{ $currentOp: {} }, { $match: { 'command.comment': marker } }], { comment: marker }).toArray();
            const code = f => { try { const r = f(); return r && r.length >= 0 ? 0 : -1; } catch (e) { return e.code; } };
            const elsewhere = code(() => db.aggregate([{ $currentOp: {} }]).toArray());
            db.c.insertOne({ _id: 1 });
            const sessions = admin.aggregate([{ $listLocalSessions: {} }]).toArray();
            print('RESULT ' + EJSON.stringify({
              helperSeesItself: byHelper.length >= 1,
              stageSeesItself: byStage.length, stageOp: byStage[0].op, elsewhere,
              sessionsHaveIds: sessions.length >= 1 && sessions.every(s => s._id.id !== undefined && s.lastUse instanceof Date)
            }, { relaxed: true }));
            """);

        Assert.Equal(BsonDocument.Parse("""
            { helperSeesItself: true, stageSeesItself: 1, stageOp: 'command', elsewhere: 73, sessionsHaveIds: true }
            """), result);
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
