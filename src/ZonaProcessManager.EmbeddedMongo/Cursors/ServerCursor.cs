using System.Collections.Concurrent;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Cursors;

/// <summary>One batch handed to a client: documents, whether the cursor is now exhausted, and a change stream's resume token.</summary>
public sealed record CursorBatch(BsonArray Documents, bool Exhausted, BsonDocument? PostBatchResumeToken);

/// <summary>A server-side cursor, continued by getMore and ended by killCursors, exhaustion or the idle timeout.</summary>
public abstract class ServerCursor(string ns)
{
    public long Id { get; internal set; }
    public string Namespace { get; } = ns;
    public DateTime LastUsedUtc { get; set; } = DateTime.UtcNow;

    /// <summary>Serializes getMores on one cursor; a second concurrent getMore waits rather than corrupting the position.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public abstract ValueTask<CursorBatch> NextBatchAsync(int? batchSize, TimeSpan? maxAwait, bool isFirstBatch, CancellationToken cancellationToken);
}

/// <summary>A cursor over an already computed result (find, aggregate, listCollections, listIndexes).</summary>
public sealed class ListCursor(string ns, IEnumerable<BsonDocument> documents) : ServerCursor(ns)
{
    private const int DefaultFirstBatch = 101;
    private const int MaxBatchBytes = 16 * 1024 * 1024;
    private readonly IEnumerator<BsonDocument> source = documents.GetEnumerator();
    private BsonDocument? pending;
    private bool finished;

    public override ValueTask<CursorBatch> NextBatchAsync(int? batchSize, TimeSpan? maxAwait, bool isFirstBatch, CancellationToken cancellationToken)
    {
        var limit = batchSize is > 0 ? batchSize.Value : isFirstBatch ? DefaultFirstBatch : int.MaxValue;
        var batch = new BsonArray();
        var bytes = 0;
        while (batch.Count < limit)
        {
            var next = pending;
            pending = null;
            if (next is null)
            {
                if (finished || !source.MoveNext())
                {
                    finished = true;
                    break;
                }

                next = source.Current;
            }

            var size = next.ToBson().Length;
            if (batch.Count > 0 && bytes + size > MaxBatchBytes)
            {
                pending = next;
                break;
            }

            bytes += size;
            batch.Add(next);
        }

        if (!finished && pending is null && batch.Count == limit)
        {
            // Peek so that a cursor whose last batch is exactly full reports exhaustion now, not on an extra getMore.
            if (source.MoveNext())
            {
                pending = source.Current;
            }
            else
            {
                finished = true;
            }
        }

        return ValueTask.FromResult(new CursorBatch(batch, finished && pending is null, null));
    }
}

/// <summary>All open cursors of one server. Ids are random positive longs, as MongoDB's are.</summary>
public sealed class CursorRegistry
{
    private readonly ConcurrentDictionary<long, ServerCursor> cursors = new();

    public int Count => cursors.Count;

    public long Register(ServerCursor cursor)
    {
        while (true)
        {
            var id = Random.Shared.NextInt64(1, long.MaxValue);
            cursor.Id = id;
            if (cursors.TryAdd(id, cursor))
            {
                return id;
            }
        }
    }

    public ServerCursor? Find(long id) => cursors.GetValueOrDefault(id);

    public bool Remove(long id) => cursors.TryRemove(id, out _);

    public int RemoveIdle(TimeSpan idleTimeout)
    {
        var cutoff = DateTime.UtcNow - idleTimeout;
        var removed = 0;
        foreach (var (id, cursor) in cursors)
        {
            if (cursor.LastUsedUtc < cutoff && cursor.Gate.CurrentCount > 0 && cursors.TryRemove(id, out _))
            {
                removed++;
            }
        }

        return removed;
    }
}
