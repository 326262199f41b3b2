using System.Collections.Concurrent;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.EmbeddedMongo;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

public sealed class MongoResourceWatcherTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly WatcherOptions FastOptions = new() { MaxAwaitTime = TimeSpan.FromMilliseconds(200), InitialBackoff = TimeSpan.FromMilliseconds(100) };
    private static readonly ResourceChange Relist = new(ChangeKind.Relist, null);

    private static ResourceChange Upserted(string name, string tenant = "system") => new(ChangeKind.Upserted, new ResourceKey("ServiceSpec", tenant, name));

    private static ResourceChange Deleted(string name, string tenant = "system") => new(ChangeKind.Deleted, new ResourceKey("ServiceSpec", tenant, name));

    [Fact]
    public async Task First_start_relists_then_reports_inserts_updates_and_deletes()
    {
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));

        Assert.Equal(Relist, await probe.NextAsync());
        await services.InsertOneAsync(ServiceDocuments.Valid("web", "acme"));
        Assert.Equal(Upserted("web", "acme"), await probe.NextAsync());
        await services.UpdateOneAsync(new BsonDocument("_id", "acme/web"), new BsonDocument("$set", new BsonDocument("spec.replicas", 3)));
        Assert.Equal(Upserted("web", "acme"), await probe.NextAsync());
        await services.ReplaceOneAsync(new BsonDocument("_id", "acme/web"), ServiceDocuments.Valid("web", "acme", replicas: 2));
        Assert.Equal(Upserted("web", "acme"), await probe.NextAsync());
        await services.DeleteOneAsync(new BsonDocument("_id", "acme/web"));
        Assert.Equal(Deleted("web", "acme"), await probe.NextAsync());
    }

    [Fact]
    public async Task Updates_touching_only_status_or_ownerReferences_cause_no_change_but_a_label_edit_does()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());
        await store.Services.InsertOneAsync(ServiceDocuments.Valid("web"));
        Assert.Equal(Upserted("web"), await probe.NextAsync());

        await store.WriteStatusAsync(new ResourceKey("ServiceSpec", "system", "web"), new ServiceStatus { Phase = ResourcePhase.Running, UpdatedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
        await store.Services.UpdateOneAsync(new BsonDocument("_id", "system/web"), new BsonDocument("$set", new BsonDocument("status.message", "hi")));
        // An adoption: the reconcile that writes it carries on with the adopted document.
        var owners = new BsonArray { new BsonDocument { ["kind"] = "Tenant", ["name"] = "system", ["uid"] = "system" } };
        await store.Services.UpdateOneAsync(new BsonDocument("_id", "system/web"), new BsonDocument("$set", new BsonDocument("metadata.ownerReferences", owners)));
        await store.Services.UpdateOneAsync(new BsonDocument("_id", "system/web"), new BsonDocument("$set", new BsonDocument("metadata.labels.team", "blue")));
        await store.Services.InsertOneAsync(ServiceDocuments.Valid("marker"));

        // The stream is ordered: had a status or adoption write produced a change, it would arrive before the label edit's.
        Assert.Equal(Upserted("web"), await probe.NextAsync());
        Assert.Equal(Upserted("marker"), await probe.NextAsync());
    }

    [Fact]
    public async Task A_document_with_an_ObjectId_is_reported_by_key_also_when_deleted()
    {
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        var seededId = ObjectId.GenerateNewId();
        await services.InsertOneAsync(ServiceDocuments.Valid("seeded", id: seededId));
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());

        var newId = ObjectId.GenerateNewId();
        await services.InsertOneAsync(ServiceDocuments.Valid("fresh", id: newId));
        Assert.Equal(Upserted("fresh"), await probe.NextAsync());
        await services.DeleteOneAsync(new BsonDocument("_id", newId));
        Assert.Equal(Deleted("fresh"), await probe.NextAsync());
        await services.DeleteOneAsync(new BsonDocument("_id", seededId));
        Assert.Equal(Deleted("seeded"), await probe.NextAsync());
    }

    [Fact]
    public async Task Renaming_a_document_reports_the_old_key_as_deleted()
    {
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        var id = ObjectId.GenerateNewId();
        await services.InsertOneAsync(ServiceDocuments.Valid("old", id: id));
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());

        await services.UpdateOneAsync(new BsonDocument("_id", id), new BsonDocument("$set", new BsonDocument("metadata.name", "new")));

        Assert.Equal(Deleted("old"), await probe.NextAsync());
        Assert.Equal(Upserted("new"), await probe.NextAsync());
    }

    [Fact]
    public async Task Changes_in_other_collections_are_not_reported()
    {
        await using var database = target.CreateDatabase(output);
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());

        await database.Collection<BsonDocument>("unrelated").InsertOneAsync(ServiceDocuments.Valid("elsewhere"));
        await database.Collection<BsonDocument>("events").InsertOneAsync(new BsonDocument("reason", "x"));
        await database.Collection<BsonDocument>("services").InsertOneAsync(ServiceDocuments.Valid("marker"));

        Assert.Equal(Upserted("marker"), await probe.NextAsync());
    }

    [Fact]
    public async Task Dropping_the_collection_relists_and_watching_continues()
    {
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());
        await services.InsertOneAsync(ServiceDocuments.Valid("web"));
        Assert.Equal(Upserted("web"), await probe.NextAsync());

        await database.Database.DropCollectionAsync("services");
        Assert.Equal(Relist, await probe.NextAsync());
        await services.InsertOneAsync(ServiceDocuments.Valid("again"));
        Assert.Equal(Upserted("again"), await probe.NextAsync());
    }

    [Fact]
    public async Task After_a_restart_it_resumes_from_the_persisted_token_and_sees_what_changed_while_down()
    {
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        var unknownId = ObjectId.GenerateNewId();
        await using (var first = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions)))
        {
            Assert.Equal(Relist, await first.NextAsync());
            await services.InsertOneAsync(ServiceDocuments.Valid("web"));
            Assert.Equal(Upserted("web"), await first.NextAsync());
            await services.InsertOneAsync(ServiceDocuments.Valid("ghost", id: unknownId));
            Assert.Equal(Upserted("ghost"), await first.NextAsync());
            await services.InsertOneAsync(ServiceDocuments.Valid("marker"));
            Assert.Equal(Upserted("marker"), await first.NextAsync());
            await first.StopAsync();
        }

        var state = await database.Collection<BsonDocument>("operator_state").Find(new BsonDocument("_id", "watch/operator/all")).SingleAsync();
        Assert.True(state["resumeToken"].IsBsonDocument);

        // While the operator is down: a new service, a deleted one, and a deleted mongosh document (ObjectId _id) whose
        // key the restarted watcher cannot know, because its in-memory map starts from what still exists.
        await services.InsertOneAsync(ServiceDocuments.Valid("added"));
        await services.DeleteOneAsync(new BsonDocument("_id", "system/web"));
        await services.DeleteOneAsync(new BsonDocument("_id", unknownId));

        await using var second = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        var changes = new List<ResourceChange>();
        while (changes.Count == 0 || changes[^1] != Relist)
        {
            changes.Add(await second.NextAsync());
        }

        // The marker may be replayed (at-least-once); nothing before the persisted token is, and nothing is missed.
        var afterMarker = changes.SkipWhile(change => change == Upserted("marker")).ToList();
        Assert.Equal([Upserted("added"), Deleted("web"), Relist], afterMarker);
    }

    [Fact]
    public async Task Watchers_of_operators_scoped_to_different_tenants_each_resume_from_their_own_position()
    {
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        var acmeOnly = FastOptions with { Tenants = new HashSet<string> { "acme" } };
        var globexOnly = FastOptions with { Tenants = new HashSet<string> { "globex" } };

        await using (var acme = WatcherProbe.Start(new MongoResourceWatcher(database.Database, acmeOnly)))
        {
            Assert.Equal(Relist, await acme.NextAsync());
            await services.InsertOneAsync(ServiceDocuments.Valid("before"));
            Assert.Equal(Upserted("before"), await acme.NextAsync());
            await acme.StopAsync();
        }

        await services.InsertOneAsync(ServiceDocuments.Valid("while-acme-down"));

        // The acme operator's position is not the globex operator's: this one starts afresh, with a relist.
        await using (var globex = WatcherProbe.Start(new MongoResourceWatcher(database.Database, globexOnly)))
        {
            Assert.Equal(Relist, await globex.NextAsync());
            await services.InsertOneAsync(ServiceDocuments.Valid("globex-seen"));
            Assert.Equal(Upserted("globex-seen"), await globex.NextAsync());
            await globex.StopAsync();
        }

        await services.InsertOneAsync(ServiceDocuments.Valid("while-globex-down"));

        // Had globex's stop overwritten acme's position, acme would now start after globex-seen.
        await using (var acme = WatcherProbe.Start(new MongoResourceWatcher(database.Database, acmeOnly)))
        {
            Assert.Equal(
                [Upserted("while-acme-down"), Upserted("globex-seen"), Upserted("while-globex-down")],
                [await acme.NextAsync(), await acme.NextAsync(), await acme.NextAsync()]);
            await acme.StopAsync();
        }

        // And acme's later stop leaves globex's position where globex left it.
        await services.InsertOneAsync(ServiceDocuments.Valid("marker"));
        await using var globexAgain = WatcherProbe.Start(new MongoResourceWatcher(database.Database, globexOnly));
        Assert.Equal([Upserted("while-globex-down"), Upserted("marker")], [await globexAgain.NextAsync(), await globexAgain.NextAsync()]);

        var positions = await database.Collection<BsonDocument>("operator_state").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(2, positions.Count);
    }

    [Fact]
    public async Task A_clean_stop_saves_the_position_it_held_back_so_a_restart_replays_nothing()
    {
        // With saves held back for an hour, only the stop itself can have saved the position after these changes.
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        var options = FastOptions with { ResumeTokenSaveInterval = TimeSpan.FromHours(1) };
        await using (var first = WatcherProbe.Start(new MongoResourceWatcher(database.Database, options)))
        {
            Assert.Equal(Relist, await first.NextAsync());
            await services.InsertOneAsync(ServiceDocuments.Valid("web"));
            Assert.Equal(Upserted("web"), await first.NextAsync());
            await services.InsertOneAsync(ServiceDocuments.Valid("api"));
            Assert.Equal(Upserted("api"), await first.NextAsync());
            await first.StopAsync();
        }

        await using var second = WatcherProbe.Start(new MongoResourceWatcher(database.Database, options));
        await services.InsertOneAsync(ServiceDocuments.Valid("after"));

        Assert.Equal(Upserted("after"), await second.NextAsync());
    }

    [Fact]
    public async Task An_idle_watch_does_not_write_its_position_on_every_empty_batch()
    {
        // Each save moves the database's change position, so saving empty batches' positions at the burst interval would
        // make an idle operator write (and sync) its position every second forever. Watched here over 4 s: twenty empty
        // getMores and four burst intervals. One save may land as the window opens: the position of the batch that
        // carried "web", which is due at the burst interval.
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        await using var watch = WatcherProbe.Start(new MongoResourceWatcher(database.Database, FastOptions));
        Assert.Equal(Relist, await watch.NextAsync());
        await services.InsertOneAsync(ServiceDocuments.Valid("web"));
        Assert.Equal(Upserted("web"), await watch.NextAsync());

        using var positions = await database.Collection<BsonDocument>("operator_state").WatchAsync(
            new ChangeStreamOptions { MaxAwaitTime = TimeSpan.FromMilliseconds(200) });
        var saves = new List<string>();
        var window = System.Diagnostics.Stopwatch.StartNew();
        while (window.Elapsed < TimeSpan.FromSeconds(4) && await positions.MoveNextAsync())
        {
            saves.AddRange(positions.Current.Select(change => $"{change.OperationType} at {window.Elapsed.TotalSeconds:0.0} s"));
        }

        Assert.True(saves.Count <= 1, $"the idle watch saved its position {saves.Count} times: {string.Join(", ", saves)}");
        await watch.StopAsync();
    }

    [Fact]
    public async Task A_getMore_failing_with_a_resumable_error_is_survived_without_losing_or_relisting_a_change()
    {
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");
        // The watcher gets a client of its own, named in the fail point, so only its getMores fail.
        var failedGetMores = new ConcurrentQueue<(int? Code, List<string> Labels)>();
        var appName = FailCommand.NewAppName("watcher");
        using var watcherClient = target.CreateClient(settings =>
        {
            settings.ApplicationName = appName;
            settings.ClusterConfigurator = cluster => cluster.Subscribe<CommandFailedEvent>(e =>
            {
                // Read at once: the reply the failure carries is freed after the event.
                if (e.CommandName == "getMore")
                {
                    failedGetMores.Enqueue(e.Failure is MongoCommandException command ? (command.Code, command.ErrorLabels.ToList()) : (null, []));
                }
            });
        });
        await using var probe = WatcherProbe.Start(new MongoResourceWatcher(watcherClient.GetDatabase(database.Name), FastOptions));
        Assert.Equal(Relist, await probe.NextAsync());
        await services.InsertOneAsync(ServiceDocuments.Valid("before"));
        Assert.Equal(Upserted("before"), await probe.NextAsync());

        // 262 ExceededTimeLimit is retriable: MongoDB labels it ResumableChangeStreamError on a change stream's getMore.
        await using var failPoint = await FailCommand.SetAsync(target, new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "getMore" } }, { "errorCode", 262 }, { "appName", appName },
        });
        // Written while the failing getMore is pending or about to be sent: delivered only after the stream resumed.
        await services.InsertOneAsync(ServiceDocuments.Valid("during"));
        await Eventually.TrueAsync(() => Task.FromResult(!failedGetMores.IsEmpty), TimeSpan.FromSeconds(20), "the watcher's getMore to hit the fail point");
        await services.UpdateOneAsync(new BsonDocument("_id", "system/before"), new BsonDocument("$set", new BsonDocument("spec.replicas", 2)));
        await services.DeleteOneAsync(new BsonDocument("_id", "system/during"));

        Assert.Equal(
            [Upserted("during"), Upserted("before"), Deleted("during")],
            [await probe.NextAsync(), await probe.NextAsync(), await probe.NextAsync()]);
        var failure = Assert.Single(failedGetMores);
        Assert.Equal(262, failure.Code);
        Assert.Contains("ResumableChangeStreamError", failure.Labels);
    }

    [Fact]
    public async Task When_the_history_behind_the_token_is_lost_it_drops_the_token_and_relists()
    {
        // Forcing history loss needs control over the server's retention, so this test runs its own embedded server.
        var dataDirectory = Path.Combine(Path.GetTempPath(), "zpm-watcher-history-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        try
        {
            await using var server = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions
            {
                Port = 0,
                DataDirectory = dataDirectory,
                ChangeStreamHistoryRetention = TimeSpan.FromSeconds(1),
            });
            var admin = server.EnsureAdminUser();
            using var client = new MongoClient(server.ConnectionStringFor(admin.User, admin.Password));
            var database = client.GetDatabase("zpm_history");
            var services = database.GetCollection<BsonDocument>("services");
            await using (var first = WatcherProbe.Start(new MongoResourceWatcher(database, FastOptions)))
            {
                Assert.Equal(Relist, await first.NextAsync());
                await services.InsertOneAsync(ServiceDocuments.Valid("web"));
                Assert.Equal(Upserted("web"), await first.NextAsync());
                await first.StopAsync();
            }

            var stale = (await database.GetCollection<BsonDocument>("operator_state").Find(new BsonDocument("_id", "watch/operator/all")).SingleAsync())["resumeToken"].AsBsonDocument;
            await Eventually.TrueAsync(
                async () =>
                {
                    await services.InsertOneAsync(new BsonDocument { ["apiVersion"] = "zpm/v1", ["kind"] = "ServiceSpec", ["metadata"] = new BsonDocument("name", "n" + Guid.NewGuid().ToString("N")[..8]), ["spec"] = new BsonDocument("image", "i") });
                    try
                    {
                        using var cursor = await database.WatchAsync(new ChangeStreamOptions { ResumeAfter = stale });
                        return false;
                    }
                    catch (MongoCommandException exception) when (exception.Code == 286)
                    {
                        return true;
                    }
                },
                TimeSpan.FromSeconds(30),
                "the server to prune the history behind the saved token");

            await using var second = WatcherProbe.Start(new MongoResourceWatcher(database, FastOptions));
            Assert.Equal(Relist, await second.NextAsync());
            await services.InsertOneAsync(ServiceDocuments.Valid("after"));
            Assert.Equal(Upserted("after"), await second.NextAsync());
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public void Operator_only_detection_covers_status_ownerReferences_and_leaderGeneration_paths_and_nothing_else()
    {
        static BsonDocument Description(string[] updated, string[] removed) => new()
        {
            ["updatedFields"] = new BsonDocument(updated.Select(path => new BsonElement(path, 1))),
            ["removedFields"] = new BsonArray(removed),
            ["truncatedArrays"] = new BsonArray(),
        };

        Assert.True(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["status"], [])));
        Assert.True(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["status.phase", "status.conditions.0.status"], ["status.message"])));
        Assert.False(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["status.phase", "spec.replicas"], [])));
        Assert.False(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["statusx"], [])));
        Assert.False(MongoResourceWatcher.IsOperatorOnlyUpdate(Description([], ["metadata.labels"])));
        Assert.True(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["metadata.ownerReferences", "status.phase"], [])));
        Assert.True(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["status", "leaderGeneration"], [])));
        Assert.False(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["spec.image", "leaderGeneration"], [])));
        Assert.True(MongoResourceWatcher.IsOperatorOnlyUpdate(Description([], ["metadata.ownerReferences.0"])));
        Assert.False(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["metadata.ownerReferences", "metadata.name"], [])));
        Assert.False(MongoResourceWatcher.IsOperatorOnlyUpdate(Description(["metadata"], [])));
        Assert.False(MongoResourceWatcher.IsOperatorOnlyUpdate(Description([], [])));
        Assert.False(MongoResourceWatcher.IsOperatorOnlyUpdate(null));
    }
}
