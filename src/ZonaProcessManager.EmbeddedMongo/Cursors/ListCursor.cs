using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Cursors;

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

            var size = next is RawBsonDocument stored ? stored.Slice.Length : next.ToBson().Length;
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
