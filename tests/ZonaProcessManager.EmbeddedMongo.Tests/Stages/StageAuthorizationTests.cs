using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.EmbeddedMongo.Tests.Auth;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Stages;

/// <summary>
/// With authentication (as mongod --auth): $out and $merge write, so reading the source is not enough; seeing other
/// users' operations or sessions needs clusterMonitor. These run against this server's own login, not a real MongoDB.
/// </summary>
public sealed class StageAuthorizationTests
{
    private static BsonDocument Aggregate(string collection, params BsonDocument[] stages) =>
        new() { { "aggregate", collection }, { "pipeline", new BsonArray(stages) }, { "cursor", new BsonDocument() } };

    private static BsonDocument AggregateOne(params BsonDocument[] stages) =>
        new() { { "aggregate", 1 }, { "pipeline", new BsonArray(stages) }, { "cursor", new BsonDocument() } };

    [Fact]
    public async Task A_reader_writes_through_out_or_merge_only_where_it_may_write_and_sees_only_its_own_activity()
    {
        await using var server = await AuthServer.StartAsync();
        using var admin = server.AdminClient();
        await admin.GetDatabase("a").GetCollection<BsonDocument>("src").InsertOneAsync(new BsonDocument { { "_id", 1 }, { "v", 1 } });
        await admin.GetDatabase("a").RunCommandAsync<BsonDocument>(BsonDocument.Parse(
            "{createUser: 'reader', pwd: 'reader-pw', roles: [{role: 'read', db: 'a'}, {role: 'readWrite', db: 'b'}]}"));
        using var reader = server.Client("reader", "reader-pw", "a");
        var a = reader.GetDatabase("a");
        var readerAdmin = reader.GetDatabase("admin");

        var outSameDatabase = await ErrorCodes.OfAsync(() => a.RunCommandAsync<BsonDocument>(Aggregate("src", new BsonDocument("$out", "copy"))));
        var mergeThirdDatabase = await ErrorCodes.OfAsync(() => a.RunCommandAsync<BsonDocument>(Aggregate("src",
            new BsonDocument("$merge", new BsonDocument("into", new BsonDocument { { "db", "c" }, { "coll", "x" } })))));
        await a.RunCommandAsync<BsonDocument>(Aggregate("src", new BsonDocument("$merge", new BsonDocument("into", new BsonDocument { { "db", "b" }, { "coll", "x" } }))));
        var everyonesOperations = await ErrorCodes.OfAsync(() => readerAdmin.RunCommandAsync<BsonDocument>(AggregateOne(new BsonDocument("$currentOp", new BsonDocument("allUsers", true)))));
        var everyonesSessions = await ErrorCodes.OfAsync(() => readerAdmin.RunCommandAsync<BsonDocument>(AggregateOne(new BsonDocument("$listLocalSessions", new BsonDocument("allUsers", true)))));
        var ownOperations = await readerAdmin.RunCommandAsync<BsonDocument>(AggregateOne(new BsonDocument("$currentOp", new BsonDocument())));

        Assert.Equal([13, 13, 13, 13], new[] { outSameDatabase, mergeThirdDatabase, everyonesOperations, everyonesSessions });
        Assert.Equal(1, await admin.GetDatabase("b").GetCollection<BsonDocument>("x").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Empty(await (await admin.GetDatabase("a").ListCollectionNamesAsync(new ListCollectionNamesOptions { Filter = new BsonDocument("name", "copy") })).ToListAsync());
        var operations = ownOperations["cursor"]["firstBatch"].AsBsonArray;
        Assert.NotEmpty(operations);
        Assert.All(operations, operation => Assert.Equal("reader", operation["effectiveUsers"][0]["user"].AsString));
    }
}
