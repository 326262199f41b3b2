using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;
using MongoshRunner = ZonaProcessManager.Testing.Mongosh.Mongosh;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Mongosh;

/// <summary>
/// The real mongosh 2.12.0 (scripts/ensure-mongosh.sh) against the target. Scripts print one EJSON line prefixed with
/// RESULT so the assertions do not depend on mongosh's human-oriented formatting.
/// </summary>
[Trait("Category", "Process")]
[Collection(FailCommandCollection.Name)]
public sealed class MongoshTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const string ResultPrefix = "RESULT ";

    [Fact]
    public async Task Crud_script_inserts_updates_deletes_and_finds()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, """
            db.items.insertOne({ _id: 1, name: 'apple', qty: 5 });
            db.items.insertMany([{ _id: 2, name: 'pear', qty: 1 }, { _id: 3, name: 'plum', qty: 9 }]);
            const updated = db.items.updateOne({ _id: 2 }, { $inc: { qty: 10 } });
            const deleted = db.items.deleteOne({ _id: 3 });
            const docs = db.items.find({}, { name: 1, qty: 1 }).sort({ _id: 1 }).toArray();
            print('RESULT ' + EJSON.stringify({ modified: updated.modifiedCount, deleted: deleted.deletedCount, count: db.items.countDocuments({}), docs }, { relaxed: true }));
            """);

        Assert.Equal(
            BsonDocument.Parse("{ modified: 1, deleted: 1, count: 2, docs: [{ _id: 1, name: 'apple', qty: 5 }, { _id: 2, name: 'pear', qty: 11 }] }"),
            result);
        Assert.Equal(11, (await db.Collection<BsonDocument>("items").Find(new BsonDocument("_id", 2)).SingleAsync())["qty"].ToInt32());
    }

    [Fact]
    public async Task AdminCommand_configureFailPoint_fails_the_next_find_once()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", 1));
        var appName = FailCommand.NewAppName("mongosh");

        var result = await RunAsync(db, $$"""
            const set = db.adminCommand({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['find'], errorCode: 2, appName: '{{appName}}' } });
            let firstCode = null;
            try { db.items.find().toArray(); } catch (e) { firstCode = e.code; }
            const second = db.items.find().toArray().length;
            const off = db.adminCommand({ configureFailPoint: 'failCommand', mode: 'off' });
            print('RESULT ' + EJSON.stringify({ setOk: set.ok, firstCode, second, fired: off.count - set.count }, { relaxed: true }));
            """, appName);

        Assert.True(result["setOk"].ToInt32() == 1, $"{Target.Description}: configureFailPoint was refused; the server needs test commands enabled");
        Assert.Equal(BsonDocument.Parse("{ setOk: 1, firstCode: 2, second: 1, fired: 1 }"), result);
    }

    [Fact]
    public async Task Watch_then_tryNext_loop_returns_the_insert_event()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");

        var result = await RunAsync(db, """
            const cs = db.c.watch();
            cs.tryNext(); // opens the stream on the server before the write
            db.c.insertOne({ _id: 'watched', v: 1 });
            let event = null;
            const deadline = Date.now() + 20000;
            while (event === null && Date.now() < deadline) { event = cs.tryNext(); }
            cs.close();
            print('RESULT ' + EJSON.stringify({ operationType: event && event.operationType, fullDocument: event && event.fullDocument, hasToken: !!(event && event._id) }, { relaxed: true }));
            """);

        Assert.Equal(BsonDocument.Parse("{ operationType: 'insert', fullDocument: { _id: 'watched', v: 1 }, hasToken: true }"), result);
    }

    [Fact]
    public async Task Unique_index_then_duplicate_insert_fails_with_E11000()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, """
            const name = db.users.createIndex({ email: 1 }, { unique: true });
            db.users.insertOne({ email: 'a@x' });
            let error = null;
            try { db.users.insertOne({ email: 'a@x' }); } catch (e) { error = { code: e.code, message: e.message }; }
            print('RESULT ' + EJSON.stringify({ name, error, count: db.users.countDocuments({}) }, { relaxed: true }));
            """);

        Assert.Equal("email_1", result["name"].AsString);
        Assert.Equal(11000, result["error"]["code"].ToInt32());
        Assert.Contains("E11000", result["error"]["message"].AsString);
        Assert.Equal(1, result["count"].ToInt32());
    }

    [Fact]
    public async Task JsonSchema_validator_then_bad_insert_fails_with_Document_failed_validation()
    {
        await using var db = NewDatabase();

        var result = await RunAsync(db, """
            db.createCollection('services', { validator: { $jsonSchema: { bsonType: 'object', required: ['name'], properties: { name: { bsonType: 'string' } } } } });
            db.services.insertOne({ name: 'ok' });
            let error = null;
            try { db.services.insertOne({ name: 42 }); } catch (e) { error = { code: e.code, message: e.message }; }
            print('RESULT ' + EJSON.stringify({ error, count: db.services.countDocuments({}) }, { relaxed: true }));
            """);

        Assert.Equal(121, result["error"]["code"].ToInt32());
        Assert.Contains("Document failed validation", result["error"]["message"].AsString);
        Assert.Equal(1, result["count"].ToInt32());
    }

    [Fact]
    public async Task An_unknown_command_makes_the_shell_fail_with_the_servers_message()
    {
        await using var db = NewDatabase();
        var mongosh = MongoshRunner.Locate();

        var run = await mongosh.EvalAsync(ConnectionStringFor(db), "db.runCommand({ frobnicateTheWidgets: 1 })");

        Output.WriteLine(run.ToString());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("no such command", run.Stdout + run.Stderr);
    }

    private async Task<BsonDocument> RunAsync(TestDatabase db, string script, string? appName = null)
    {
        var mongosh = MongoshRunner.Locate();
        var run = await mongosh.EvalAsync(ConnectionStringFor(db, appName), script);
        Output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, $"mongosh failed: {run}");
        var line = run.Stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"mongosh printed no {ResultPrefix.Trim()} line: {run}");
        return BsonDocument.Parse(line[ResultPrefix.Length..]);
    }

    private string ConnectionStringFor(TestDatabase db, string? appName = null) =>
        new MongoUrlBuilder(Target.ConnectionString) { DatabaseName = db.Name, ApplicationName = appName }.ToString();
}
