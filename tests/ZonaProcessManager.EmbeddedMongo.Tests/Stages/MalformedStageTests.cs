using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Stages;

/// <summary>
/// Malformed $out, $merge, $documents, $currentOp, $listLocalSessions and view definitions each get an error of their
/// own (never an internal error), write nothing, and the server goes on answering.
/// </summary>
public sealed class MalformedStageTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const int InternalError = 1;

    public static TheoryData<string> MalformedCollectionAggregates =>
    [
        "{ $out: 5 }",
        "{ $out: { db: 1, coll: 'x' } }",
        "{ $out: { coll: 'x' } }",
        "{ $out: { db: 'd', coll: 'x', extra: 1 } }",
        "{ $out: '' }",
        "{ $merge: 5 }",
        "{ $merge: { into: 5 } }",
        "{ $merge: { into: {} } }",
        "{ $merge: { whenMatched: 'merge' } }",
        "{ $merge: { into: 't', on: [] } }",
        "{ $merge: { into: 't', on: [1] } }",
        "{ $merge: { into: 't', on: 3.5 } }",
        "{ $merge: { into: 't', whenMatched: 5 } }",
        "{ $merge: { into: 't', whenMatched: [{ $out: 'x' }] } }",
        "{ $merge: { into: 't', whenMatched: [{ $group: { _id: 1 } }] } }",
        "{ $merge: { into: 't', whenMatched: [], let: 5 } }",
        "{ $merge: { into: 't', whenNotMatched: 5 } }",
        "{ $merge: { into: 't', whenMatched: 'fail', whenNotMatched: 'fail' } }",
        "{ $merge: { into: 't', extra: 1 } }",
        "{ $facet: { f: [{ $out: 'x' }] } }",
        "{ $lookup: { from: 'c', as: 'j', pipeline: [{ $merge: 'x' }] } }",
    ];

    public static TheoryData<string> MalformedDatabaseAggregates =>
    [
        "{ $documents: null }",
        "{ $documents: 'text' }",
        "{ $documents: [{ a: 1 }, 2] }",
        "{ $documents: { $undefinedOperator: 1 } }",
        "{ $listLocalSessions: 5 }",
        "{ $listLocalSessions: { users: [5] } }",
        "{ $listLocalSessions: { unknown: true } }",
    ];

    public static TheoryData<string> MalformedViewCommands =>
    [
        "{ create: 'v', viewOn: 5, pipeline: [] }",
        "{ create: 'v', viewOn: 'c', pipeline: 'x' }",
        "{ create: 'v', viewOn: 'c', pipeline: [5] }",
        "{ create: 'v', viewOn: 'c', pipeline: [{ $out: 'x' }] }",
        "{ create: 'v', viewOn: 'c', pipeline: [{ $nosuchstage: 1 }] }",
        "{ create: 'v', viewOn: 'c', pipeline: [], validator: { a: 1 } }",
    ];

    [Theory]
    [MemberData(nameof(MalformedCollectionAggregates))]
    public async Task A_malformed_stage_in_a_collection_aggregate_is_an_error_and_writes_nothing(string stage)
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));

        var code = await ErrorCodes.OfAsync(() => db.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "aggregate", "c" }, { "pipeline", new BsonArray { BsonDocument.Parse(stage) } }, { "cursor", new BsonDocument() },
        }));

        Output.WriteLine($"{stage} -> {code}");
        Assert.NotEqual(InternalError, code);
        Assert.Equal(["c"], await (await db.Database.ListCollectionNamesAsync()).ToListAsync());
        await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
    }

    [Theory]
    [MemberData(nameof(MalformedDatabaseAggregates))]
    public async Task A_malformed_source_stage_of_a_database_aggregate_is_an_error(string stage)
    {
        await using var db = NewDatabase();

        var code = await ErrorCodes.OfAsync(() => Target.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "aggregate", 1 }, { "pipeline", new BsonArray { BsonDocument.Parse(stage) } }, { "cursor", new BsonDocument() },
        }));

        Output.WriteLine($"{stage} -> {code}");
        Assert.NotEqual(InternalError, code);
        await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
    }

    [Theory]
    [MemberData(nameof(MalformedViewCommands))]
    public async Task A_malformed_view_definition_is_an_error_and_creates_nothing(string command)
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));

        var code = await ErrorCodes.OfAsync(() => db.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse(command)));

        Output.WriteLine($"{command} -> {code}");
        Assert.NotEqual(InternalError, code);
        var names = (await (await db.Database.ListCollectionNamesAsync()).ToListAsync()).Where(n => !n.StartsWith("system.", StringComparison.Ordinal));
        Assert.Equal(["c"], names);
    }
}
