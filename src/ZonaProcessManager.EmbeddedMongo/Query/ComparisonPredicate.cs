using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>$gt/$gte/$lt/$lte only compare values within one canonical type bracket (MinKey/MaxKey operands excepted).</summary>
internal sealed class ComparisonPredicate(ComparisonKind kind, BsonValue operand) : ValuePredicate
{
    private readonly int operandRank = BsonOrder.CanonicalRank(operand.BsonType);
    private readonly bool operandIsBound = operand.BsonType is BsonType.MinKey or BsonType.MaxKey;

    public override bool Test(BsonValue? value)
    {
        value ??= BsonNull.Value;
        if (!operandIsBound && BsonOrder.CanonicalRank(value.BsonType) != operandRank)
        {
            return false;
        }

        // NaN only equals NaN: it is neither greater nor less than any number.
        if (IsNaN(value) != IsNaN(operand))
        {
            return false;
        }

        int c = BsonOrder.Instance.Compare(value, operand);
        return kind switch
        {
            ComparisonKind.GreaterThan => c > 0,
            ComparisonKind.GreaterOrEqual => c >= 0,
            ComparisonKind.LessThan => c < 0,
            _ => c <= 0,
        };
    }

    private static bool IsNaN(BsonValue value) => value.BsonType switch
    {
        BsonType.Double => double.IsNaN(value.AsDouble),
        BsonType.Decimal128 => Decimal128.IsNaN(value.AsDecimal128),
        _ => false,
    };
}
