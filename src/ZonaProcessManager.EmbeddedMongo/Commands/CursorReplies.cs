using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Cursors;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>Builds cursor replies ({cursor: {id, ns, firstBatch|nextBatch, postBatchResumeToken?}}) and keeps live cursors registered.</summary>
public static class CursorReplies
{
    public static async ValueTask<BsonDocument> FirstBatchAsync(CommandContext context, ServerCursor cursor, int? batchSize, bool singleBatch = false)
    {
        var batch = await cursor.NextBatchAsync(batchSize, null, isFirstBatch: true, context.CancellationToken);
        long id = 0;
        if (!batch.Exhausted && !singleBatch)
        {
            id = context.Server.Cursors.Register(cursor);
        }

        return Reply(id, cursor.Namespace, "firstBatch", batch);
    }

    public static BsonDocument Reply(long id, string ns, string batchName, CursorBatch batch)
    {
        var cursor = new BsonDocument { { "id", id }, { "ns", ns }, { batchName, batch.Documents } };
        if (batch.PostBatchResumeToken is not null)
        {
            cursor["postBatchResumeToken"] = batch.PostBatchResumeToken;
        }

        return new BsonDocument { { "cursor", cursor }, { "ok", 1.0 } };
    }

    public static int? BatchSize(CommandContext context, BsonDocument? cursorOptions = null)
    {
        var source = cursorOptions ?? context.Body;
        if (!source.TryGetValue("batchSize", out var value) || value.IsBsonNull)
        {
            return null;
        }

        if (!value.IsNumeric || value.ToInt64() < 0)
        {
            throw MongoError.BadValue("BSON field 'batchSize' value must be >= 0, actual value '" + value + "'");
        }

        return (int)Math.Min(value.ToInt64(), int.MaxValue);
    }
}
