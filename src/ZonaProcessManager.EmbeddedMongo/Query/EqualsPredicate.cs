using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class EqualsPredicate(BsonValue operand) : ValuePredicate
{
    public override bool Test(BsonValue? value)
    {
        if (operand.IsBsonNull)
        {
            return value is null || value.IsBsonNull;
        }

        return value is not null && BsonOrder.ValuesEqual(value, operand);
    }
}
