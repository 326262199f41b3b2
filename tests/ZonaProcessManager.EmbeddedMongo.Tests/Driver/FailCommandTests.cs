using System.Collections.Concurrent;
using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

/// <summary>
/// The failCommand fail point as the drivers' own test suites use it (configureFailPoint needs test commands, see
/// <see cref="FailCommand"/>): the official driver retries writes and reads and resumes change streams as the
/// specifications say. Each test names its own client's appName in the fail point, so no other client is affected.
/// </summary>
[Collection(FailCommandCollection.Name)]
public sealed class FailCommandTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    [Fact]
    public async Task A_retryable_insert_failing_once_with_ShutdownInProgress_is_retried_and_stored_once()
    {
        await using var db = NewDatabase();
        var observed = new ObservedCommands();
        using var client = ObservedClient("insert91", observed, out var appName);
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1),
            new BsonDocument { { "failCommands", new BsonArray { "insert" } }, { "errorCode", 91 }, { "appName", appName } });

        await client.GetDatabase(db.Name).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));

        var failure = Assert.Single(observed.Failed, e => e.CommandName == "insert");
        Assert.Equal(91, failure.Code);
        Assert.Contains("RetryableWriteError", failure.Labels);
        Assert.Equal(1, observed.Succeeded.Count(e => e.CommandName == "insert"));
        Assert.Equal(1, await db.Collection<BsonDocument>("c").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_retryable_update_whose_connection_is_closed_is_retried_and_applied_once()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(BsonDocument.Parse("{ _id: 'counter', n: 0 }"));
        var observed = new ObservedCommands();
        using var client = ObservedClient("close", observed, out var appName);
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1),
            new BsonDocument { { "failCommands", new BsonArray { "update" } }, { "closeConnection", true }, { "appName", appName } });

        await client.GetDatabase(db.Name).GetCollection<BsonDocument>("c")
            .UpdateOneAsync(new BsonDocument("_id", "counter"), BsonDocument.Parse("{ $inc: { n: 1 } }"));

        var failure = Assert.Single(observed.Failed, e => e.CommandName == "update");
        Assert.True(typeof(MongoConnectionException).IsAssignableFrom(failure.FailureType), $"the update failed with {failure.FailureType}");
        var stored = await db.Collection<BsonDocument>("c").Find(new BsonDocument("_id", "counter")).SingleAsync();
        Assert.Equal(1, stored["n"].ToInt32());
    }

    [Fact]
    public async Task A_retryable_writeConcernError_makes_the_driver_retry_and_the_write_is_applied_once()
    {
        await using var db = NewDatabase();
        var observed = new ObservedCommands();
        using var client = ObservedClient("wce91", observed, out var appName);
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } }, { "appName", appName },
            { "writeConcernError", new BsonDocument { { "code", 91 }, { "errmsg", "Replication is being shut down" } } },
        });

        await client.GetDatabase(db.Name).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));

        var inserts = observed.Succeeded.Where(e => e.CommandName == "insert").ToList();
        Assert.Equal(2, inserts.Count);
        Assert.Equal(91, inserts[0].WriteConcernErrorCode);
        Assert.Contains("RetryableWriteError", inserts[0].Labels);
        Assert.Null(inserts[1].WriteConcernErrorCode);
        Assert.Equal(1, await db.Collection<BsonDocument>("c").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_non_retryable_writeConcernError_reaches_the_application_although_the_write_was_applied()
    {
        await using var db = NewDatabase();
        using var client = Target.CreateClient(settings => settings.ApplicationName = FailCommand.NewAppName("wce100"));
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } }, { "appName", client.Settings.ApplicationName },
            { "writeConcernError", new BsonDocument { { "code", 100 }, { "errmsg", "Not enough data-bearing nodes" } } },
        });

        var error = await Assert.ThrowsAsync<MongoWriteException>(() =>
            client.GetDatabase(db.Name).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1)));

        Assert.Equal(100, error.WriteConcernError?.Code);
        Assert.Null(error.WriteError);
        Assert.Equal(1, await db.Collection<BsonDocument>("c").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task ErrorLabels_given_to_the_fail_point_replace_the_servers_own_so_an_empty_list_stops_the_retry()
    {
        await using var db = NewDatabase();
        using var client = Target.CreateClient(settings => settings.ApplicationName = FailCommand.NewAppName("nolabels"));
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } }, { "errorCode", 91 }, { "errorLabels", new BsonArray() },
            { "appName", client.Settings.ApplicationName },
        });

        var error = await Assert.ThrowsAnyAsync<MongoCommandException>(() =>
            client.GetDatabase(db.Name).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1)));

        Assert.Equal(91, error.Code);
        Assert.Empty(error.ErrorLabels);
        Assert.Equal(0, await db.Collection<BsonDocument>("c").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_times_2_fail_point_fails_two_finds_then_lets_them_pass()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));
        using var client = Target.CreateClient(settings => settings.ApplicationName = FailCommand.NewAppName("times2"));
        var collection = client.GetDatabase(db.Name).GetCollection<BsonDocument>("c");
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 2),
            new BsonDocument { { "failCommands", new BsonArray { "find" } }, { "errorCode", 2 }, { "appName", client.Settings.ApplicationName } });

        var first = await Assert.ThrowsAsync<MongoCommandException>(() => collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
        var second = await Assert.ThrowsAsync<MongoCommandException>(() => collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
        var third = await collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();

        Assert.Equal((2, "BadValue"), (first.Code, first.CodeName));
        Assert.Equal(2, second.Code);
        Assert.Equal([new BsonDocument("_id", 1)], third);
        Assert.Equal(failPoint.TimesEnteredBefore + 2, await failPoint.TurnOffAsync());
    }

    [Fact]
    public async Task A_skip_fail_point_lets_the_first_command_pass_then_fails_each_one_until_turned_off()
    {
        await using var db = NewDatabase();
        using var client = Target.CreateClient(settings => settings.ApplicationName = FailCommand.NewAppName("skip"));
        var collection = client.GetDatabase(db.Name).GetCollection<BsonDocument>("c");
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("skip", 1),
            new BsonDocument { { "failCommands", new BsonArray { "count" } }, { "errorCode", 2 }, { "appName", client.Settings.ApplicationName } });

        Assert.Equal(0, await collection.EstimatedDocumentCountAsync());
        await Assert.ThrowsAsync<MongoCommandException>(() => collection.EstimatedDocumentCountAsync());
        await Assert.ThrowsAsync<MongoCommandException>(() => collection.EstimatedDocumentCountAsync());
        await failPoint.TurnOffAsync();
        Assert.Equal(0, await collection.EstimatedDocumentCountAsync());
    }

    [Fact]
    public async Task BlockConnection_holds_the_command_for_blockTimeMS_and_then_runs_it()
    {
        await using var db = NewDatabase();
        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));
        using var client = Target.CreateClient(settings => settings.ApplicationName = FailCommand.NewAppName("block"));
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "find" } }, { "blockConnection", true }, { "blockTimeMS", 500 }, { "appName", client.Settings.ApplicationName },
        });

        var clock = Stopwatch.StartNew();
        var found = await client.GetDatabase(db.Name).GetCollection<BsonDocument>("c").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        clock.Stop();

        Assert.Equal([new BsonDocument("_id", 1)], found);
        // A lower bound only: the reply cannot come before the server has waited blockTimeMS.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(500), $"the blocked find answered after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task BlockConnection_longer_than_the_clients_socket_timeout_makes_the_driver_give_up()
    {
        await using var db = NewDatabase();
        using var client = Target.CreateClient(settings =>
        {
            settings.ApplicationName = FailCommand.NewAppName("timeout");
            settings.SocketTimeout = TimeSpan.FromMilliseconds(300);
            settings.RetryReads = false;
        });
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "find" } }, { "blockConnection", true }, { "blockTimeMS", 3000 }, { "appName", client.Settings.ApplicationName },
        });

        var error = await Assert.ThrowsAnyAsync<MongoConnectionException>(() =>
            client.GetDatabase(db.Name).GetCollection<BsonDocument>("c").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());

        Output.WriteLine(error.ToString());
        Assert.Contains(Chain(error), e => e is TimeoutException);
    }

    [Fact]
    public async Task A_change_stream_resumes_after_its_getMore_fails_with_CursorNotFound_and_loses_no_event()
    {
        await ChangeStreamSurvivesAsync("cursornotfound", new BsonDocument("errorCode", 43), expectedLabel: null);
    }

    [Fact]
    public async Task A_retriable_error_on_a_change_stream_getMore_is_labelled_resumable_and_the_stream_resumes()
    {
        await ChangeStreamSurvivesAsync("resumable", new BsonDocument("errorCode", 262), expectedLabel: "ResumableChangeStreamError");
    }

    [Fact]
    public async Task A_non_resumable_error_on_a_change_stream_getMore_ends_the_stream()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("c");
        using var client = Target.CreateClient(settings => settings.ApplicationName = FailCommand.NewAppName("fatal"));
        using var cursor = await client.GetDatabase(db.Name).GetCollection<BsonDocument>("c").WatchAsync(ChangeStreamReader<BsonDocument>.Options());
        using var reader = new ChangeStreamReader<BsonDocument>(cursor);
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1),
            new BsonDocument { { "failCommands", new BsonArray { "getMore" } }, { "errorCode", 280 }, { "appName", client.Settings.ApplicationName } });

        await db.Collection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));
        var error = await Assert.ThrowsAsync<MongoCommandException>(() => reader.NextAsync());

        Assert.Equal(280, error.Code);
        Assert.Contains("NonResumableChangeStreamError", error.ErrorLabels);
    }

    private async Task ChangeStreamSurvivesAsync(string purpose, BsonDocument failure, string? expectedLabel)
    {
        await using var db = NewDatabase();
        var writes = db.Collection<BsonDocument>("c");
        await db.Database.CreateCollectionAsync("c");
        var observed = new ObservedCommands();
        using var client = ObservedClient(purpose, observed, out var appName);
        using var cursor = await client.GetDatabase(db.Name).GetCollection<BsonDocument>("c").WatchAsync(ChangeStreamReader<BsonDocument>.Options());
        using var reader = new ChangeStreamReader<BsonDocument>(cursor);
        await writes.InsertOneAsync(new BsonDocument("_id", "before"));
        Assert.Equal("before", (await reader.NextAsync()).DocumentKey["_id"].AsString);

        failure.Merge(new BsonDocument { { "failCommands", new BsonArray { "getMore" } }, { "appName", appName } });
        await using var failPoint = await FailCommand.SetAsync(Target, new BsonDocument("times", 1), failure);
        await writes.InsertManyAsync([new BsonDocument("_id", "during-1"), new BsonDocument("_id", "during-2")]);
        var events = await reader.NextAsync(2);
        await writes.InsertOneAsync(new BsonDocument("_id", "after"));
        events.Add(await reader.NextAsync());

        Assert.Equal(["during-1", "during-2", "after"], events.Select(e => e.DocumentKey["_id"].AsString));
        var getMoreFailure = Assert.Single(observed.Failed, e => e.CommandName == "getMore");
        Assert.Equal(failure["errorCode"].ToInt32(), getMoreFailure.Code);
        if (expectedLabel is not null)
        {
            Assert.Contains(expectedLabel, getMoreFailure.Labels);
        }

        // The driver resumed by opening the stream again: a second aggregate.
        Assert.Equal(2, observed.Succeeded.Count(e => e.CommandName == "aggregate"));
    }

    private MongoClient ObservedClient(string purpose, ObservedCommands observed, out string appName)
    {
        var name = FailCommand.NewAppName(purpose);
        appName = name;
        return Target.CreateClient(settings =>
        {
            settings.ApplicationName = name;
            settings.ClusterConfigurator = cluster => cluster
                .Subscribe<CommandFailedEvent>(e => observed.Failed.Enqueue(ObservedFailure.Of(e)))
                .Subscribe<CommandSucceededEvent>(e => observed.Succeeded.Enqueue(ObservedSuccess.Of(e)));
        });
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    private sealed class ObservedCommands
    {
        public ConcurrentQueue<ObservedFailure> Failed { get; } = new();
        public ConcurrentQueue<ObservedSuccess> Succeeded { get; } = new();
    }
}

/// <summary>A failed command as the driver reported it, read when reported (the reply it carries is freed afterwards).</summary>
public sealed record ObservedFailure(string CommandName, Type FailureType, int? Code, IReadOnlyList<string> Labels)
{
    public static ObservedFailure Of(CommandFailedEvent failed) => failed.Failure is MongoCommandException command
        ? new(failed.CommandName, command.GetType(), command.Code, command.ErrorLabels.ToList())
        : new(failed.CommandName, failed.Failure.GetType(), null, (failed.Failure as MongoException)?.ErrorLabels.ToList() ?? []);
}

/// <summary>A command the server answered with ok: 1, with what a write concern error in its reply said.</summary>
public sealed record ObservedSuccess(string CommandName, int? WriteConcernErrorCode, IReadOnlyList<string> Labels)
{
    public static ObservedSuccess Of(CommandSucceededEvent succeeded) => new(
        succeeded.CommandName,
        succeeded.Reply.GetValue("writeConcernError", BsonNull.Value) is BsonDocument error ? error.GetValue("code", BsonNull.Value).ToInt32() : null,
        succeeded.Reply.GetValue("errorLabels", BsonNull.Value) is BsonArray labels ? labels.Select(label => label.AsString).ToList() : []);
}

/// <summary>
/// Fail point tests of this assembly run one at a time: on a shared real MongoDB (ZPM_TEST_MONGO_URI) the fail point is
/// one per server, and a test setting it would replace another's.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FailCommandCollection
{
    public const string Name = "failCommand fail point";
}
