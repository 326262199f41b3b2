using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

public sealed class MongoRevisionStoreTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly DateTimeOffset Time = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly ResourceKey Web = new(ServiceSpec.KindName, "acme", "web");

    private static ServiceSpecBody Spec(string tag, int replicas = 1) => new()
    {
        Image = $"zpm/busybox:{tag}",
        Command = ["/bin/httpd", "-f", "-p", "8080"],
        Env = new Dictionary<string, string> { ["GREETING"] = "hello" },
        Replicas = replicas,
        Ports = [new PortSpec(8080, null)],
        HealthCheck = new HealthCheckSpec { Http = new HttpProbe(8080, "/") },
    };

    [Fact]
    public async Task Each_new_spec_becomes_the_next_revision_with_its_spec_and_cause_read_back_whole()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var store = new MongoRevisionStore(database.Database);

        await store.RecordAsync(Web, Spec("1.0"), "hash-1", "zpm apply", Time, keep: 10, None);
        var second = await store.RecordAsync(Web, Spec("1.1", replicas: 3), "hash-2", "release/r1", Time.AddMinutes(1), keep: 10, None);

        var history = await store.ListAsync(Web, None);
        Assert.Equal([1L, 2L], history.Select(r => r.Number));
        Assert.Equal(2, second.Number);
        var read = await store.GetAsync(Web, 2, None);
        Assert.NotNull(read);
        Assert.Equal("zpm/busybox:1.1", read.Spec.Image);
        Assert.Equal(3, read.Spec.Replicas);
        Assert.Equal(8080, read.Spec.HealthCheck?.Http?.Port);
        Assert.Equal("release/r1", read.ChangeCause);
        Assert.Equal(Time.AddMinutes(1), read.CreatedAt);
        Assert.Equal(Web, read.Service);
    }

    [Fact]
    public async Task Recording_the_newest_spec_again_changes_nothing()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoRevisionStore(database.Database);

        var first = await store.RecordAsync(Web, Spec("1.0"), "hash-1", "zpm apply", Time, keep: 10, None);
        var again = await store.RecordAsync(Web, Spec("1.0", replicas: 5), "hash-1", "someone else", Time.AddHours(1), keep: 10, None);

        Assert.Equal(first.Number, again.Number);
        Assert.Equal("zpm apply", again.ChangeCause);
        Assert.Single(await store.ListAsync(Web, None));
    }

    [Fact]
    public async Task Going_back_to_an_older_spec_moves_it_to_the_next_number_so_history_lists_each_spec_once()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoRevisionStore(database.Database);
        await store.RecordAsync(Web, Spec("1.0"), "hash-1", "a", Time, keep: 10, None);
        await store.RecordAsync(Web, Spec("1.1"), "hash-2", "b", Time, keep: 10, None);

        var back = await store.RecordAsync(Web, Spec("1.0"), "hash-1", "undo", Time, keep: 10, None);

        Assert.Equal(3, back.Number);
        Assert.Equal([(2L, "hash-2"), (3L, "hash-1")], (await store.ListAsync(Web, None)).Select(r => (r.Number, r.SpecHash)));
    }

    [Fact]
    public async Task Only_the_newest_revisions_are_kept_and_numbers_are_never_reused()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoRevisionStore(database.Database);
        for (var i = 1; i <= 5; i++)
        {
            await store.RecordAsync(Web, Spec($"1.{i}"), $"hash-{i}", "apply", Time, keep: 3, None);
        }

        Assert.Equal([3L, 4L, 5L], (await store.ListAsync(Web, None)).Select(r => r.Number));
        Assert.Null(await store.GetAsync(Web, 1, None));
        Assert.Equal(6, (await store.RecordAsync(Web, Spec("2.0"), "hash-6", "apply", Time, keep: 3, None)).Number);
    }

    [Fact]
    public async Task Services_keep_separate_histories_and_deleting_one_leaves_the_other()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoRevisionStore(database.Database);
        var other = new ResourceKey(ServiceSpec.KindName, "globex", "web");
        await store.RecordAsync(Web, Spec("1.0"), "hash-1", "a", Time, keep: 10, None);
        await store.RecordAsync(other, Spec("1.0"), "hash-1", "a", Time, keep: 10, None);

        await store.DeleteAllAsync(Web, None);

        Assert.Empty(await store.ListAsync(Web, None));
        Assert.Single(await store.ListAsync(other, None));
        Assert.Equal(1, (await store.RecordAsync(Web, Spec("2.0"), "hash-2", "a", Time, keep: 10, None)).Number);
    }

    [Fact]
    public async Task An_entry_whose_spec_no_longer_reads_is_left_out_without_hiding_the_others()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoRevisionStore(database.Database);
        await store.RecordAsync(Web, Spec("1.0"), "hash-1", "a", Time, keep: 10, None);
        await database.Database.GetCollection<BsonDocument>(ZpmCollections.Revisions).UpdateOneAsync(
            Builders<BsonDocument>.Filter.Eq("revision", 1L), Builders<BsonDocument>.Update.Set("spec.replicas", "many"));
        await store.RecordAsync(Web, Spec("1.1"), "hash-2", "b", Time, keep: 10, None);

        Assert.Equal([2L], (await store.ListAsync(Web, None)).Select(r => r.Number));
        Assert.Null(await store.GetAsync(Web, 1, None));
    }

    [Fact]
    public async Task An_unconfirmed_leader_records_nothing()
    {
        await using var database = target.CreateDatabase(output);
        var leadership = TestLeadership.Of(3);
        leadership.Confirmed = false;
        var store = new MongoRevisionStore(database.Database, leadership);

        await Assert.ThrowsAsync<LeadershipFenceException>(() => store.RecordAsync(Web, Spec("1.0"), "hash-1", "a", Time, keep: 10, None));

        Assert.Empty(await new MongoRevisionStore(database.Database).ListAsync(Web, None));
    }
}
