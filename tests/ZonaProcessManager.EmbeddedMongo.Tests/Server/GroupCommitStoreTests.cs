using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

/// <summary>
/// The store's group commit seen from inside: writes that wait together commit in one transaction, one failing write
/// fails alone, and the journal keeps their arrival order. The writes are lined up behind an open transaction so that
/// they are certain to form one group, whatever the machine's timing.
/// </summary>
public sealed class GroupCommitStoreTests : IDisposable
{
    private const int Writers = 16;
    private readonly string directory = Path.Combine(Path.GetTempPath(), "zpm-group-commit-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Writes_waiting_together_share_one_commit_and_a_duplicate_among_them_fails_alone()
    {
        using var store = MongoStore.Open(directory);
        store.Write(write => write.Insert(write.EnsureCollection("app", "c"), new BsonDocument("_id", "taken")));
        var holder = await store.BeginTransactionAsync(CancellationToken.None);
        var commitsBefore = store.GroupCommitCount;

        var writes = Enumerable.Range(0, Writers)
            .Select(i => store.WriteAsync(write => write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", i == 7 ? "taken" : i))))
            .ToList();
        Assert.All(writes, write => Assert.False(write.IsCompleted, "a write was acknowledged while another transaction held the writer"));
        holder.Abort();
        var outcomes = await Task.WhenAll(writes.Select(Outcome));

        Assert.Equal(commitsBefore + 1, store.GroupCommitCount);
        var duplicate = Assert.IsType<MongoError>(outcomes[7]);
        Assert.Equal(11000, duplicate.Code);
        Assert.All(outcomes.Where((_, i) => i != 7), Assert.Null);
        var collection = store.Catalog.Find("app", "c")!;
        var stored = store.Read(read => read.All(collection)).Select(d => d.Document["_id"]).ToHashSet();
        Assert.Equal(Writers, stored.Count);
        Assert.All(Enumerable.Range(0, Writers).Where(i => i != 7), i => Assert.Contains(new BsonInt32(i), stored));
    }

    [Fact]
    public async Task A_grouped_write_that_throws_after_changing_documents_leaves_no_document_and_no_change_event()
    {
        using var store = MongoStore.Open(directory);
        store.Write(write => write.EnsureCollection("app", "c"));
        var holder = await store.BeginTransactionAsync(CancellationToken.None);

        var first = store.WriteAsync(write => write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", "first")));
        var failing = store.WriteAsync<BsonDocument>(write =>
        {
            write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", "undone"));
            throw new InvalidOperationException("refused after writing");
        });
        var last = store.WriteAsync(write => write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", "last")));
        holder.Abort();

        await first;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("refused after writing", error.Message);
        await last;
        var collection = store.Catalog.Find("app", "c")!;
        Assert.Equal(["first", "last"], store.Read(read => read.All(collection)).Select(d => d.Document["_id"].AsString));
        var events = store.Read(read => read.ReadChanges(0, long.MaxValue, "app", "c", 100)).Where(IsDocumentChange).ToList();
        Assert.Equal(["first", "last"], events.Select(e => e.Event["documentKey"]["_id"].AsString));
    }

    [Fact]
    public async Task Change_events_of_a_group_are_journalled_in_the_order_the_writes_arrived_with_rising_cluster_times()
    {
        using var store = MongoStore.Open(directory);
        store.Write(write => write.EnsureCollection("app", "c"));
        var holder = await store.BeginTransactionAsync(CancellationToken.None);

        var writes = Enumerable.Range(0, Writers)
            .Select(i => store.WriteAsync(write => write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", i))))
            .ToList();
        holder.Abort();
        await Task.WhenAll(writes);

        var events = store.Read(read => read.ReadChanges(0, long.MaxValue, "app", "c", 100)).Where(IsDocumentChange).ToList();
        Assert.Equal(Enumerable.Range(0, Writers), events.Select(e => e.Event["documentKey"]["_id"].AsInt32));
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.First.Timestamp < pair.Second.Timestamp && pair.First.Sequence < pair.Second.Sequence),
            "sequences and cluster times must rise in journal order");
        Assert.Equal(events[^1].Sequence, store.Commits.CommittedSequence);
    }

    [Fact]
    public async Task A_small_write_waiting_behind_bulk_writes_commits_before_them_and_each_bulk_write_commits_alone()
    {
        using var store = MongoStore.Open(directory);
        store.Write(write => write.EnsureCollection("app", "c"));
        var holder = await store.BeginTransactionAsync(CancellationToken.None);
        var commitsBefore = store.GroupCommitCount;
        Task<int> Bulk(string name) => store.WriteAsync(
            write =>
            {
                foreach (var i in Enumerable.Range(0, 500))
                {
                    write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", $"{name}-{i}"));
                }

                return 500;
            },
            bulk: true);

        var first = Bulk("first");
        var second = Bulk("second");
        var lease = store.WriteAsync(write => write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", "lease")));
        var third = Bulk("third");
        holder.Abort();
        await Task.WhenAll(first, second, lease, third);

        var events = store.Read(read => read.ReadChanges(0, long.MaxValue, "app", "c", 10_000)).Where(IsDocumentChange).ToList();
        var order = events.Select(e => e.Event["documentKey"]["_id"].AsString.Split('-')[0]).Distinct();
        Assert.Equal(["lease", "first", "second", "third"], order);
        Assert.Equal(commitsBefore + 4, store.GroupCommitCount);
    }

    /// <summary>Changes to documents, leaving out the collection's own create event.</summary>
    private static bool IsDocumentChange(ChangeRecord change) => change.Event.Contains("documentKey");

    private static async Task<Exception?> Outcome(Task write)
    {
        try
        {
            await write;
            return null;
        }
        catch (Exception error)
        {
            return error;
        }
    }
}
