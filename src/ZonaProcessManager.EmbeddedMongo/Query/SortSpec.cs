using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>A parsed sort document such as {a: 1, "b.c": -1}; arrays sort by their min (asc) or max (desc) element as MongoDB does.</summary>
public sealed class SortSpec : IComparer<BsonDocument>
{
    public static SortSpec Parse(BsonDocument sort) => throw new NotImplementedException();

    public int Compare(BsonDocument? x, BsonDocument? y) => throw new NotImplementedException();
}
