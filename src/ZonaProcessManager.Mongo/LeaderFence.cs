using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// Fences the operator's writes by its leadership term, so a leader that was paused (GC, SIGSTOP, a lost network) and
/// wakes up after losing the lease cannot write over the next leader's work. A fenced write needs a term the store
/// confirmed within the renew deadline (<see cref="ILeadershipContext.IsConfirmed"/>), records that term's generation in
/// <see cref="Field"/>, and an update or delete of an existing document also requires the document's
/// <see cref="Field"/> to be no newer than it (absent counts as oldest), in the same command: no extra read or write
/// on the way. The local check closes the usual window (a paused leader wakes up unconfirmed); the condition in the
/// command closes the rest (a pause between the check and the write). An insert cannot be conditioned on another
/// document, so for event and port-allocation inserts the confirmation check is the fence.
/// A write refused either way throws <see cref="LeadershipFenceException"/>. Without a context (the CLI: users, not the
/// leader) nothing is fenced and nothing is recorded.
/// </summary>
internal sealed class LeaderFence(ILeadershipContext? leadership)
{
    /// <summary>The generation of the leadership term under which the operator last wrote a document.</summary>
    public const string Field = "leaderGeneration";

    /// <summary>The generation to write under; null when unfenced. Throws when fenced and not confirmed.</summary>
    public long? Generation(string operation)
    {
        return leadership?.ConfirmedTerm(operation).Generation;
    }

    /// <summary><paramref name="key"/>, and, when fenced, "written under no newer term than <paramref name="generation"/>".</summary>
    public static FilterDefinition<BsonDocument> Filter(FilterDefinition<BsonDocument> key, long? generation) =>
        generation is { } mine ? Builders<BsonDocument>.Filter.And(key, Builders<BsonDocument>.Filter.Not(Builders<BsonDocument>.Filter.Gt(Field, mine))) : key;

    /// <summary><paramref name="update"/>, recording <paramref name="generation"/> when fenced.</summary>
    public static UpdateDefinition<BsonDocument> Stamp(UpdateDefinition<BsonDocument> update, long? generation) =>
        generation is { } mine ? update.Set(Field, mine) : update;

    /// <summary>A copy of a document about to be inserted, carrying <paramref name="generation"/> when fenced.</summary>
    public static BsonDocument Stamp(BsonDocument document, long? generation) =>
        generation is { } mine ? new BsonDocument(document) { [Field] = mine } : document;

    /// <summary>
    /// After a fenced write matched nothing: throws when <paramref name="key"/> matches a document a newer term wrote
    /// (the fence refused it); returns when there is none (the document is gone, as an unfenced write would have found).
    /// Only a miss pays this read.
    /// </summary>
    public static async Task ThrowIfNewerTermWroteAsync(
        IMongoCollection<BsonDocument> collection, FilterDefinition<BsonDocument> key, long? generation, string operation, CancellationToken cancellationToken)
    {
        if (generation is not { } mine)
        {
            return;
        }

        var newer = Builders<BsonDocument>.Filter.And(key, Builders<BsonDocument>.Filter.Gt(Field, mine));
        if (await collection.Find(newer).Limit(1).CountDocumentsAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
            throw LeadershipFenceException.NewerTermWrote(operation, mine);
        }
    }
}
