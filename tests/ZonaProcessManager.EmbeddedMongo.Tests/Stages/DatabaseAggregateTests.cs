using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Stages;

/// <summary>
/// Database-level aggregates (<c>aggregate: 1</c>): $documents produces its documents, $currentOp (on admin) lists the
/// commands running, $listLocalSessions the sessions in use; each is only valid as the first stage of such a pipeline.
/// </summary>
public sealed class DatabaseAggregateTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private static BsonDocument AggregateOne(params BsonDocument[] stages) =>
        new() { { "aggregate", 1 }, { "pipeline", new BsonArray(stages) }, { "cursor", new BsonDocument() } };

    [Fact]
    public async Task Documents_feeds_the_rest_of_the_pipeline_and_can_be_written_out()
    {
        await using var db = NewDatabase();
        var documents = new BsonDocument("$documents", new BsonArray
        {
            new BsonDocument { { "_id", 1 }, { "x", 5 } },
            new BsonDocument { { "_id", 2 }, { "x", 15 } },
            new BsonDocument { { "_id", 3 }, { "x", 25 } },
        });

        var over10 = await (await db.Database.AggregateAsync<BsonDocument>(new BsonDocument[] { documents, new("$match", new BsonDocument("x", new BsonDocument("$gt", 10))) })).ToListAsync();
        var computed = await (await db.Database.AggregateAsync<BsonDocument>(new BsonDocument[]
        {
            new("$documents", new BsonDocument("$map", new BsonDocument { { "input", new BsonArray { 1, 2 } }, { "in", new BsonDocument("n", "$$this") } })),
        })).ToListAsync();
        await (await db.Database.AggregateAsync<BsonDocument>(new BsonDocument[] { documents, new("$out", "seeded") })).ToListAsync();

        Assert.Equal([2, 3], over10.Select(d => d["_id"].AsInt32));
        Assert.Equal([new BsonDocument("n", 1), new BsonDocument("n", 2)], computed);
        Assert.Equal(3, await db.Collection<BsonDocument>("seeded").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Documents_is_refused_outside_a_database_aggregate_out_of_place_or_with_something_other_than_documents()
    {
        await using var db = NewDatabase();
        var collection = db.Collection<BsonDocument>("c");
        await collection.InsertOneAsync(new BsonDocument("_id", 1));
        var one = new BsonArray { new BsonDocument("a", 1) };

        var onCollection = await ErrorCodes.OfAsync(() => collection.Aggregate<BsonDocument>(new BsonDocument[] { new BsonDocument("$documents", one) }).ToListAsync());
        var notFirst = await ErrorCodes.OfAsync(() => collection.Aggregate<BsonDocument>(new BsonDocument[] { new BsonDocument("$match", new BsonDocument()), new BsonDocument("$documents", one) }).ToListAsync());
        var scalars = await ErrorCodes.OfAsync(() => db.Database.RunCommandAsync<BsonDocument>(AggregateOne(new BsonDocument("$documents", new BsonArray { 1, 2 }))));
        var matchFirst = await ErrorCodes.OfAsync(() => db.Database.RunCommandAsync<BsonDocument>(AggregateOne(new BsonDocument("$match", new BsonDocument()))));

        Assert.Equal([73, 40602, 40228, 73], new[] { onCollection, notFirst, scalars, matchFirst });
    }

    [Fact]
    public async Task CurrentOp_stage_and_command_on_admin_list_the_running_command_itself_and_the_stage_is_refused_elsewhere()
    {
        await using var db = NewDatabase();
        var marker = "currentOp-" + Guid.NewGuid().ToString("N");
        var admin = Target.Client.GetDatabase("admin");
        var command = AggregateOne(
            new BsonDocument("$currentOp", new BsonDocument()),
            new BsonDocument("$match", new BsonDocument("command.comment", marker)));
        command["comment"] = marker;

        var reply = await admin.RunCommandAsync<BsonDocument>(command);
        var commandMarker = marker + "-command";
        var byCommand = await admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "currentOp", 1 }, { "command.comment", commandMarker }, { "comment", commandMarker } });
        var elsewhere = await ErrorCodes.OfAsync(() => db.Database.RunCommandAsync<BsonDocument>(AggregateOne(new BsonDocument("$currentOp", new BsonDocument()))));

        var operation = reply["cursor"]["firstBatch"].AsBsonArray.Single().AsBsonDocument;
        Assert.Equal("op", operation["type"].AsString);
        Assert.True(operation["active"].AsBoolean);
        Assert.Equal("command", operation["op"].AsString);
        Assert.Equal(1, operation["command"]["aggregate"].ToInt32());
        Assert.True(operation["opid"].IsNumeric);
        Assert.Equal(73, elsewhere);
        Assert.Equal(1, byCommand["inprog"].AsBsonArray.Single()["command"]["currentOp"].ToInt32());
    }

    [Fact]
    public async Task ListLocalSessions_shows_a_session_after_it_ran_a_command()
    {
        await using var db = NewDatabase();
        using var session = await Target.Client.StartSessionAsync();
        await db.Collection<BsonDocument>("c").InsertOneAsync(session, new BsonDocument("_id", 1));
        var sessionId = session.ServerSession.Id["id"];

        var listed = await (await Target.Client.GetDatabase("admin").AggregateAsync<BsonDocument>(new BsonDocument[]
        {
            new("$listLocalSessions", new BsonDocument()),
            new("$match", new BsonDocument("_id.id", sessionId)),
        })).ToListAsync();

        var entry = Assert.Single(listed);
        Assert.Equal(BsonType.Binary, entry["_id"]["uid"].BsonType);
        Assert.Equal(BsonType.DateTime, entry["lastUse"].BsonType);
    }
}
