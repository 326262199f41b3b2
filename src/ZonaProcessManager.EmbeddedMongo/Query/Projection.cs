using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>A parsed find projection: inclusion or exclusion, _id rules, dotted paths, $slice, $elemMatch and positional "a.$".</summary>
public sealed class Projection
{
    /// <summary>Throws <see cref="MongoError"/> (e.g. 31254 for mixing inclusion and exclusion) on an invalid projection.</summary>
    public static Projection Parse(BsonDocument projection) => throw new NotImplementedException();

    /// <param name="positionalIndex">The index reported by <see cref="Filter.Matches(BsonDocument, out int?)"/> for "a.$".</param>
    public BsonDocument Apply(BsonDocument document, int? positionalIndex = null) => throw new NotImplementedException();
}
