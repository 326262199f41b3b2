using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Cursors;

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

/// <summary>One batch handed to a client: documents, whether the cursor is now exhausted, and a change stream's resume token.</summary>
public sealed record CursorBatch(BsonArray Documents, bool Exhausted, BsonDocument? PostBatchResumeToken);
