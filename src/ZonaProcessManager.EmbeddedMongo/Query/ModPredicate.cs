using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class ModPredicate(long divisor, long remainder) : ValuePredicate
{
    public override bool Test(BsonValue? value)
    {
        if (value is null || !BsonTypeNames.IsNumber(value))
        {
            return false;
        }

        long number;
        if (value.BsonType is BsonType.Double or BsonType.Decimal128)
        {
            double d = value.ToDouble();
            if (double.IsNaN(d) || double.IsInfinity(d))
            {
                return false;
            }

            number = (long)Math.Truncate(d);
        }
        else
        {
            number = value.ToInt64();
        }

        return divisor == -1 ? remainder == 0 : number % divisor == remainder;
    }
}
