using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Testing.Mongo;
using ZonaProcessManager.Testing.Mongosh;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>
/// The releases collection on an installed database: its validator, a release written by mongosh or `zpm release
/// apply` read back, the operator's status write, the user's requests, and the compare-and-set image write a release
/// makes to a ServiceSpec (fenced by the leadership term like every operator write).
/// </summary>
public sealed class MongoReleaseStoreTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Time = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);

    private static BsonDocument Valid(string name = "r1") => new()
    {
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "Release",
        ["metadata"] = new BsonDocument("name", name),
        ["spec"] = new BsonDocument
        {
            ["baseTag"] = "1.1",
            ["selector"] = new BsonDocument { ["tenants"] = new BsonArray { "acme" }, ["categories"] = new BsonArray { "core", "app" }, ["labels"] = new BsonDocument("tier", "edge") },
            ["patches"] = new BsonArray { new BsonDocument { ["services"] = new BsonArray { "acme/api" }, ["tag"] = "1.1-p1" } },
            ["order"] = new BsonArray { "core", "app" },
            ["maxUnavailable"] = 2,
            ["pauseOnFailure"] = false,
            ["progressDeadlineSeconds"] = 60,
        },
    };

    private static BsonDocument Broken(Action<BsonDocument> change)
    {
        var document = Valid();
        change(document);
        return document;
    }

    public static TheoryData<string, Func<BsonDocument>> Invalid() => new()
    {
        { "no baseTag", () => Broken(d => d["spec"].AsBsonDocument.Remove("baseTag")) },
        { "baseTag with a colon", () => Broken(d => d["spec"]["baseTag"] = "1:1") },
        { "patch service without tenant", () => Broken(d => d["spec"]["patches"][0]["services"] = new BsonArray { "api" }) },
        { "patch without tag", () => Broken(d => d["spec"]["patches"][0].AsBsonDocument.Remove("tag")) },
        { "unknown category in order", () => Broken(d => d["spec"]["order"] = new BsonArray { "core", "frontend" }) },
        { "category twice in order", () => Broken(d => d["spec"]["order"] = new BsonArray { "core", "core" }) },
        { "maxUnavailable 0", () => Broken(d => d["spec"]["maxUnavailable"] = 0) },
        { "unknown spec field", () => Broken(d => d["spec"]["colour"] = "red") },
        { "name not a DNS label", () => Broken(d => d["metadata"]["name"] = "Release_1") },
        { "wrong kind", () => Broken(d => d["kind"] = "ServiceSpec") },
        { "rollback not a bool", () => Broken(d => d["spec"]["rollback"] = "yes") },
    };

    private async Task<TestDatabase> InstalledAsync()
    {
        var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        return database;
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task A_release_breaking_the_contract_is_refused_at_insert(string problem, Func<BsonDocument> document)
    {
        await using var database = await InstalledAsync();
        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => new MongoReleaseStore(database.Database).Releases.InsertOneAsync(document()));
        output.WriteLine($"{problem}: {refused.WriteError.Message}");
        Assert.Equal(121, refused.WriteError.Code);
    }

    [Fact]
    public async Task A_release_inserted_with_mongosh_is_read_with_its_defaults_and_takes_the_operators_status()
    {
        await using var database = await InstalledAsync();
        var inserted = await Mongosh.Locate().EvalAsync(target.ConnectionString, $$"""
            db.getSiblingDB('{{database.Name}}').releases.insertOne({
              apiVersion: 'zpm/v1', kind: 'Release', metadata: { name: 'spring' },
              spec: { baseTag: '2026.3', patches: [ { services: ['acme/api', 'beta/api'], tag: '2026.3-p1' } ], maxUnavailable: 3 }
            });
            """);
        Assert.True(inserted.ExitCode == 0, inserted.ToString());
        var store = new MongoReleaseStore(database.Database);

        var stored = await store.GetReleaseAsync("spring", None);
        var release = stored!.Release!;
        Assert.Equal(Release.KeyFor("spring"), stored.Key);
        Assert.Equal(3, release.Spec.MaxUnavailable); // mongosh's plain number is a double
        Assert.True(release.Spec.PauseOnFailure);
        Assert.Equal(ReleaseSpec.DefaultOrder, release.Spec.Order);
        Assert.Equal(["acme/api", "beta/api"], release.Spec.Patches.Single().Services);
        Assert.Null(stored.Status);

        var status = new ReleaseStatus
        {
            Phase = ReleasePhase.Paused,
            FailurePausedAtResumeRequests = 0,
            Categories =
            [
                new ReleaseCategoryStatus(ServiceCategory.Core, ReleaseCategoryState.Failed,
                [
                    new ReleaseServiceStatus("acme", "api", ReleaseServiceState.Failed, "repo:2026.3-p1") { PreviousImage = "repo:1", Message = "Degraded", StartedAt = Time, FinishedAt = Time },
                    new ReleaseServiceStatus("beta", "api", ReleaseServiceState.Pending, "repo:2026.3-p1"),
                ]) { StartedAt = Time },
            ],
            Counts = new ReleaseCounts(2, 1, 0, 0, 1, 0, 0),
            Message = "paused after a failure",
            UpdatedAt = Time,
        };
        await store.WriteReleaseStatusAsync("spring", status, None);
        var read = (await store.GetReleaseAsync("spring", None))!.Status!;
        Assert.Equal(status.Phase, read.Phase);
        Assert.Equal(status.Counts, read.Counts);
        Assert.Equal(status.FailurePausedAtResumeRequests, read.FailurePausedAtResumeRequests);
        Assert.Equal(status.Categories.Single().Services, read.Categories.Single().Services);
        Assert.Equal(Time, read.Categories.Single().StartedAt);
        Assert.Equal(Time, read.UpdatedAt);
    }

    [Fact]
    public async Task A_document_that_breaks_a_rule_the_schema_cannot_say_is_read_as_invalid_with_the_reason()
    {
        await using var database = target.CreateDatabase(output); // no validator: as if inserted before the schema existed
        var store = new MongoReleaseStore(database.Database);
        await store.Releases.InsertOneAsync(Broken(d => d["spec"]["patches"] = new BsonArray
        {
            new BsonDocument { ["services"] = new BsonArray { "acme/api" }, ["tag"] = "a" },
            new BsonDocument { ["services"] = new BsonArray { "acme/api" }, ["tag"] = "b" },
        }));

        var stored = (await store.GetReleaseAsync("r1", None))!;
        Assert.Null(stored.Release);
        Assert.Contains("acme/api is named by more than one patch", stored.InvalidReason);
    }

    [Fact]
    public async Task Apply_writes_metadata_and_spec_keeps_the_users_requests_and_pause_resume_and_rollback_set_them()
    {
        await using var database = await InstalledAsync();
        var store = new MongoReleaseStore(database.Database);
        var manifest = Valid();
        var release = ReleaseDocumentMapper.Read(manifest).Release!;

        Assert.Equal(ApplyOutcome.Created, await store.ApplyAsync(release, manifest, None));
        Assert.True(await store.SetPausedAsync("r1", true, None));
        Assert.Equal(ApplyOutcome.Unchanged, await store.ApplyAsync(release, manifest, None));
        Assert.True((await store.GetReleaseAsync("r1", None))!.Release!.Spec.Paused);

        Assert.True(await store.SetPausedAsync("r1", false, None));
        Assert.True(await store.SetPausedAsync("r1", false, None));
        Assert.True(await store.RequestRollbackAsync("r1", None));
        var spec = (await store.GetReleaseAsync("r1", None))!.Release!.Spec;
        Assert.False(spec.Paused);
        Assert.Equal(2, spec.ResumeRequests);
        Assert.True(spec.Rollback);
        Assert.Equal("r1", (await store.GetDocumentAsync("r1", None))!["_id"].AsString);

        Assert.False(await store.SetPausedAsync("missing", true, None));
        Assert.False(await store.RequestRollbackAsync("missing", None));
    }

    [Fact]
    public async Task The_image_write_is_a_compare_and_set_that_records_the_change_cause_and_keeps_other_annotations()
    {
        await using var database = await InstalledAsync();
        var services = new MongoServiceStore(database.Database);
        var document = ServiceDocuments.Valid("api", "acme");
        document["spec"]["image"] = "host:5000/repo:1.0";
        document["metadata"]["annotations"] = new BsonDocument("owner", "team-a");
        await services.Services.InsertOneAsync(document);
        var key = new ResourceKey(ServiceSpec.KindName, "acme", "api");
        var store = new MongoReleaseStore(database.Database, TestLeadership.Of(3));

        Assert.False(await store.SetServiceImageAsync(key, "host:5000/repo:0.9", "host:5000/repo:1.1", "release/r1", None));
        Assert.Equal("host:5000/repo:1.0", (await services.GetAsync(key, None))!.Spec!.Spec.Image);

        Assert.True(await store.SetServiceImageAsync(key, "host:5000/repo:1.0", "host:5000/repo:1.1", "release/r1", None));
        var stored = (await services.GetAsync(key, None))!.Spec!;
        Assert.Equal("host:5000/repo:1.1", stored.Spec.Image);
        Assert.Equal("release/r1", stored.Metadata.Annotations[ReleaseChangeCause.Annotation]);
        Assert.Equal("team-a", stored.Metadata.Annotations["owner"]);
        var raw = (await services.GetDocumentAsync(key, None))!;
        Assert.Equal(3, raw["leaderGeneration"].ToInt64());

        // A leader of an older term writes nothing.
        await Assert.ThrowsAsync<LeadershipFenceException>(() =>
            new MongoReleaseStore(database.Database, TestLeadership.Of(2)).SetServiceImageAsync(key, "host:5000/repo:1.1", "host:5000/repo:1.0", "release/r1", None));
        Assert.Equal("host:5000/repo:1.1", (await services.GetAsync(key, None))!.Spec!.Spec.Image);
    }
}
