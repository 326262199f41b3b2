using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal static class ExpressionEvaluator
{
    /// <summary>Aggregation truthiness: false, null, missing, undefined and numeric zero are false; everything else is true.</summary>
    public static bool IsTruthy(BsonValue? value) => value switch
    {
        null => false,
        BsonBoolean b => b.Value,
        BsonNull or BsonUndefined => false,
        BsonInt32 i => i.Value != 0,
        BsonInt64 l => l.Value != 0,
        BsonDouble d => d.Value != 0,
        BsonDecimal128 m => !Decimal128.IsZero(m.Value),
        _ => true,
    };

    /// <summary>Aggregation comparisons see "missing" as below null.</summary>
    public static int Compare(BsonValue? x, BsonValue? y) =>
        BsonOrder.Instance.Compare(x ?? BsonUndefined.Value, y ?? BsonUndefined.Value);

    public static bool IsNullish(BsonValue? value) => value is null || value.IsBsonNull || value.IsBsonUndefined;
}
