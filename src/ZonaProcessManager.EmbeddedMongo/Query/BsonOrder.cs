using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>MongoDB's total order over BSON values, across types (MinKey &lt; null &lt; numbers &lt; strings &lt; ... &lt; MaxKey).</summary>
public sealed class BsonOrder : IComparer<BsonValue>
{
    public static readonly BsonOrder Instance = new();

    public int Compare(BsonValue? x, BsonValue? y) => throw new NotImplementedException();

    /// <summary>Equality as the query language sees it: 1 == 1.0 == NumberLong(1); documents field-by-field in order.</summary>
    public static bool ValuesEqual(BsonValue x, BsonValue y) => throw new NotImplementedException();
}
