using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>Equality that agrees with <see cref="BsonOrder.ValuesEqual"/> (1 == 1.0 == 1L), usable as a hash key.</summary>
internal sealed class BsonValueKeyComparer : IEqualityComparer<BsonValue>
{
    public static readonly BsonValueKeyComparer Instance = new();

    public bool Equals(BsonValue? x, BsonValue? y) => BsonOrder.Instance.Compare(x, y) == 0;

    public int GetHashCode(BsonValue value) => value switch
    {
        BsonInt32 or BsonInt64 or BsonDouble => value.ToDouble().GetHashCode(),
        BsonDecimal128 d => Decimal128.ToDouble(d.Value).GetHashCode(),
        BsonNull or BsonUndefined => 0,
        BsonString s => HashOf(s.Value),
        BsonSymbol s => HashOf(s.Name),
        BsonDocument document => document.Aggregate(17, (hash, e) => HashCode.Combine(hash, e.Name, GetHashCode(e.Value))),
        BsonArray array => array.Aggregate(19, (hash, e) => HashCode.Combine(hash, GetHashCode(e))),
        _ => value.GetHashCode(),
    };

    // Under a collation strings that compare equal must hash alike: their sort keys are equal exactly then.
    private static int HashOf(string text)
    {
        if (Collation.Current is not { } collation)
        {
            return text.GetHashCode(StringComparison.Ordinal);
        }

        var hash = new HashCode();
        hash.AddBytes(collation.SortKey(text));
        return hash.ToHashCode();
    }
}
