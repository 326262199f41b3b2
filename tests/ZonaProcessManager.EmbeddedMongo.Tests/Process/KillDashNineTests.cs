using System.Collections.Concurrent;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Driver;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Process;

[Trait("Category", "Process")]
public sealed class KillDashNineTests(ITestOutputHelper output)
{
    private const int Writers = 4;

    [Fact]
    public async Task Every_acknowledged_insert_survives_SIGKILL_mid_stream()
    {
        await using var scope = new ChildServerScope(output);
        var server = await scope.StartAsync();
        var acknowledged = new ConcurrentQueue<int>();
        var enoughWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using (var client = ChildServerScope.Connect(server))
        {
            var collection = client.GetDatabase("durability").GetCollection<BsonDocument>("events");
            // Several writers, so that several acknowledged-or-not inserts are in flight when the kill lands.
            var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
            {
                for (var id = writer; ; id += Writers)
                {
                    try
                    {
                        await collection.InsertOneAsync(new BsonDocument { { "_id", id }, { "payload", new string('x', 200) } });
                    }
                    catch (Exception ex) when (ex is MongoException or TimeoutException)
                    {
                        return;
                    }

                    acknowledged.Enqueue(id);
                    if (acknowledged.Count >= 400)
                    {
                        enoughWritten.TrySetResult();
                    }
                }
            })).ToArray();

            await enoughWritten.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await server.KillAsync();
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"killed after {acknowledged.Count} acknowledged inserts from {Writers} concurrent writers");
        }

        var restarted = await scope.StartAsync();
        using var reader = ChildServerScope.Connect(restarted);
        var stored = (await reader.GetDatabase("durability").GetCollection<BsonDocument>("events")
                .Find(FilterDefinition<BsonDocument>.Empty).Project(new BsonDocument("_id", 1)).ToListAsync())
            .Select(d => d["_id"].AsInt32)
            .ToHashSet();

        var lost = acknowledged.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged inserts lost, e.g. {string.Join(", ", lost.Take(10))}");
    }

    [Fact]
    public async Task Every_acknowledged_write_of_sixteen_writers_sharing_group_commits_survives_SIGKILL_mid_stream()
    {
        const int writers = 16;
        await using var scope = new ChildServerScope(output);
        var server = await scope.StartAsync();
        var acknowledged = new ConcurrentQueue<string>();
        var acknowledgedIncrements = new int[writers];
        var enoughWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // One client each, so that every writer has its own connection and their writes reach the server at once and
        // share commits; each writer inserts a document and then counts it on its own counter with $inc.
        var clients = Enumerable.Range(0, writers).Select(_ => ChildServerScope.Connect(server)).ToList();
        try
        {
            var writerTasks = Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
            {
                var database = clients[writer].GetDatabase("durability");
                var events = database.GetCollection<BsonDocument>("events");
                var counters = database.GetCollection<BsonDocument>("counters");
                for (var i = 0; ; i++)
                {
                    try
                    {
                        await events.InsertOneAsync(new BsonDocument { { "_id", $"{writer}-{i}" }, { "payload", new string('x', 200) } });
                        acknowledged.Enqueue($"{writer}-{i}");
                        await counters.UpdateOneAsync(new BsonDocument("_id", writer), new BsonDocument("$inc", new BsonDocument("n", 1)),
                            new UpdateOptions { IsUpsert = true });
                        acknowledgedIncrements[writer]++;
                    }
                    catch (Exception ex) when (ex is MongoException or TimeoutException)
                    {
                        return;
                    }

                    if (acknowledged.Count >= 1500)
                    {
                        enoughWritten.TrySetResult();
                    }
                }
            })).ToArray();

            await enoughWritten.Task.WaitAsync(TimeSpan.FromSeconds(120));
            await server.KillAsync();
            await Task.WhenAll(writerTasks).WaitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"killed after {acknowledged.Count} acknowledged inserts and {acknowledgedIncrements.Sum()} acknowledged increments from {writers} writers");
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }

        var restarted = await scope.StartAsync();
        using var reader = ChildServerScope.Connect(restarted);
        var database = reader.GetDatabase("durability");
        var stored = (await database.GetCollection<BsonDocument>("events")
                .Find(FilterDefinition<BsonDocument>.Empty).Project(new BsonDocument("_id", 1)).ToListAsync())
            .Select(d => d["_id"].AsString)
            .ToHashSet();
        var lost = acknowledged.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged inserts lost, e.g. {string.Join(", ", lost.Take(10))}");
        var counted = (await database.GetCollection<BsonDocument>("counters").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
            .ToDictionary(d => d["_id"].AsInt32, d => d["n"].AsInt32);
        for (var writer = 0; writer < writers; writer++)
        {
            // The increment in flight at the kill may or may not have committed; an acknowledged one must have.
            var storedCount = counted.GetValueOrDefault(writer);
            Assert.True(storedCount >= acknowledgedIncrements[writer] && storedCount <= acknowledgedIncrements[writer] + 1,
                $"writer {writer}: {acknowledgedIncrements[writer]} increments acknowledged, {storedCount} stored");
        }
    }

    [Fact]
    public async Task A_change_stream_resumes_from_a_stored_token_after_the_server_was_killed_and_restarted()
    {
        await using var scope = new ChildServerScope(output);
        var server = await scope.StartAsync();
        BsonDocument storedToken;

        using (var client = ChildServerScope.Connect(server))
        {
            var specs = client.GetDatabase("operator").GetCollection<BsonDocument>("specs");
            await client.GetDatabase("operator").CreateCollectionAsync("specs");
            using var stream = new ChangeStreamReader<BsonDocument>(await specs.WatchAsync(ChangeStreamReader<BsonDocument>.Options()));
            await specs.InsertOneAsync(new BsonDocument("_id", "seen"));
            storedToken = (await stream.NextAsync()).ResumeToken;

            await specs.InsertOneAsync(new BsonDocument("_id", "missed-1"));
            await specs.UpdateOneAsync(new BsonDocument("_id", "seen"), BsonDocument.Parse("{ $set: { v: 2 } }"));
            await specs.DeleteOneAsync(new BsonDocument("_id", "missed-1"));
        }

        await server.KillAsync();
        var restarted = await scope.StartAsync();
        using var again = ChildServerScope.Connect(restarted);
        var specsAgain = again.GetDatabase("operator").GetCollection<BsonDocument>("specs");
        using var resumed = new ChangeStreamReader<BsonDocument>(await specsAgain.WatchAsync(
            ChangeStreamReader<BsonDocument>.Options(new ChangeStreamOptions { ResumeAfter = storedToken })));
        await specsAgain.InsertOneAsync(new BsonDocument("_id", "after-restart"));
        var events = await resumed.NextAsync(4);

        Assert.Equal(
            ["insert:missed-1", "update:seen", "delete:missed-1", "insert:after-restart"],
            events.Select(e => $"{e.OperationType.ToString().ToLowerInvariant()}:{e.DocumentKey["_id"]}"));
    }

    [Fact]
    public async Task SIGTERM_stops_the_server_cleanly_and_keeps_its_data()
    {
        await using var scope = new ChildServerScope(output);
        var server = await scope.StartAsync();
        using (var client = ChildServerScope.Connect(server))
        {
            await client.GetDatabase("d").GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", "kept"));
        }

        var exitCode = await server.StopAsync(TimeSpan.FromSeconds(30));

        // 143 (128 + SIGTERM) is how System.CommandLine reports a run ended by SIGTERM after its action finished.
        Assert.Contains(exitCode, new[] { 0, 143 });
        var restarted = await scope.StartAsync();
        using var again = ChildServerScope.Connect(restarted);
        Assert.Equal(1, await again.GetDatabase("d").GetCollection<BsonDocument>("c").CountDocumentsAsync(new BsonDocument("_id", "kept")));
    }

    [Fact]
    public async Task A_corrupt_data_file_stops_startup_with_a_clear_error_instead_of_starting_empty()
    {
        await using var scope = new ChildServerScope(output);
        var server = await scope.StartAsync();
        using (var client = ChildServerScope.Connect(server))
        {
            await client.GetDatabase("d").GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", "precious"));
        }

        await server.StopAsync(TimeSpan.FromSeconds(30));
        var dataFiles = Directory.GetFiles(scope.DataDirectory, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(dataFiles);
        foreach (var file in dataFiles)
        {
            var bytes = File.ReadAllBytes(file);
            var garbage = new byte[Math.Min(bytes.Length, 4096)];
            new Random(42).NextBytes(garbage);
            garbage.CopyTo(bytes, 0);
            File.WriteAllBytes(file, bytes);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(scope.StartAsync);

        output.WriteLine(error.Message);
        Assert.Contains("did not become ready", error.Message);
        Assert.Matches("(?i)corrupt|malformed|not a database|invalid", error.Message);
    }
}
