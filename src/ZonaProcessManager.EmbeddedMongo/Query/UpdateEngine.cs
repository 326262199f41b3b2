using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>The outcome of applying one update to one document.</summary>
/// <param name="Document">The new document (a fresh instance; the input is never mutated).</param>
/// <param name="Modified">False when the update was a no-op (e.g. $set to the same value): MongoDB then counts nModified 0 and emits no change event.</param>
public sealed record UpdateOutcome(BsonDocument Document, bool Modified);

/// <summary>A parsed update: a replacement document, an operator document ($set, $inc, ...) or an aggregation pipeline (optional).</summary>
public sealed class UpdateEngine
{
    /// <summary>Parses and validates an update; throws <see cref="MongoError"/> with MongoDB's code on bad input (e.g. 9 FailedToParse for an unknown operator, 40 ConflictingUpdateOperators).</summary>
    public static UpdateEngine Parse(BsonValue update, BsonArray? arrayFilters = null) => throw new NotImplementedException();

    public bool IsReplacement => throw new NotImplementedException();

    /// <summary>
    /// Applies the update to <paramref name="original"/>. <paramref name="positionalIndex"/> comes from the filter for "$";
    /// <paramref name="isUpsertInsert"/> enables $setOnInsert. _id may not change (code 66 ImmutableField).
    /// </summary>
    public UpdateOutcome Apply(BsonDocument original, int? positionalIndex = null, bool isUpsertInsert = false) => throw new NotImplementedException();

    /// <summary>The document an upsert starts from: the filter's equality paths (and _id), before the update is applied.</summary>
    public static BsonDocument UpsertSeed(Filter filter) => throw new NotImplementedException();
}
