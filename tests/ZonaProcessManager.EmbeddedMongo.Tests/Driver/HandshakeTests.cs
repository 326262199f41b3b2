using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Servers;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

public sealed class HandshakeTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    [Fact]
    public async Task Replica_set_client_discovers_a_writable_primary_and_can_write()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));

        var cluster = db.Client.Cluster.Description;
        Assert.Equal(ClusterType.ReplicaSet, cluster.Type);
        Assert.Contains(cluster.Servers, server => server.Type == ServerType.ReplicaSetPrimary);
    }

    [Fact]
    public async Task Direct_connection_to_the_primary_reads_and_writes()
    {
        await using var db = NewDatabase();
        using var direct = new MongoClient(await Target.DirectConnectionStringAsync());
        var collection = direct.GetDatabase(db.Name).GetCollection<BsonDocument>("c");

        await collection.InsertOneAsync(new BsonDocument { { "_id", "direct" }, { "v", 7 } });
        var found = await collection.Find(new BsonDocument("_id", "direct")).SingleAsync();

        Assert.Equal(7, found["v"].AsInt32);
        var server = Assert.Single(direct.Cluster.Description.Servers);
        Assert.Equal(ServerType.ReplicaSetPrimary, server.Type);
    }

    [Fact]
    public async Task Hello_reports_the_fields_drivers_depend_on()
    {
        var hello = await Target.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1));
        Output.WriteLine(hello.ToJson());

        Assert.Equal(1, hello["ok"].ToInt32());
        Assert.True(hello["isWritablePrimary"].ToBoolean());
        Assert.InRange(hello["maxWireVersion"].ToInt32(), 9, 100);
        Assert.Equal(0, hello["minWireVersion"].ToInt32());
        Assert.True(hello["logicalSessionTimeoutMinutes"].ToInt32() > 0);
        Assert.True(hello.Contains("connectionId"));
        Assert.Equal(16 * 1024 * 1024, hello["maxBsonObjectSize"].ToInt32());
        Assert.Equal(48_000_000, hello["maxMessageSizeBytes"].ToInt32());
        Assert.Equal(100_000, hello["maxWriteBatchSize"].ToInt32());
        Assert.Equal(BsonType.DateTime, hello["localTime"].BsonType);

        Assert.False(string.IsNullOrEmpty(hello["setName"].AsString));
        var me = hello["me"].AsString;
        Assert.Equal(me, hello["primary"].AsString);
        Assert.Contains(new BsonString(me), hello["hosts"].AsBsonArray);
        Assert.True(hello["setVersion"].ToInt32() >= 1);
        Assert.Equal(BsonType.ObjectId, hello["electionId"].BsonType);
    }

    [Fact]
    public async Task Legacy_isMaster_answers_like_hello()
    {
        var isMaster = await Target.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("isMaster", 1));

        Assert.True(isMaster["ismaster"].ToBoolean());
        Assert.False(string.IsNullOrEmpty(isMaster["setName"].AsString));
    }

    [Fact]
    public async Task Connection_string_hosts_match_what_hello_advertises()
    {
        // With ?replicaSet= the driver drops members whose `me` differs from the address it dialled.
        var hello = await Target.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1));
        var dialled = new MongoUrl(Target.ConnectionString).Servers.Select(s => $"{s.Host}:{s.Port}");
        var advertised = hello["hosts"].AsBsonArray.Select(h => h.AsString);

        Assert.NotEmpty(dialled.Intersect(advertised));
    }

    [Fact]
    public async Task Ping_and_buildInfo_answer_ok()
    {
        var admin = Target.Client.GetDatabase("admin");
        var ping = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
        var buildInfo = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("buildInfo", 1));

        Assert.Equal(1, ping["ok"].ToInt32());
        Assert.Matches(@"^\d+\.\d+", buildInfo["version"].AsString);
        Assert.True(buildInfo["versionArray"].AsBsonArray.Count >= 2);
    }
}
