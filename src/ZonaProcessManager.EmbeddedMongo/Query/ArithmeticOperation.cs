using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class ArithmeticOperation(string path, string[] parts, ArrayFilterSet filters, BsonValue operand, bool multiply)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        string name = multiply ? "$mul" : "$inc";
        var existing = UpdatePaths.Get(context.Document, path);
        BsonValue result;
        if (existing is null)
        {
            result = multiply ? Numeric.ZeroLike(operand) : operand;
        }
        else if (!BsonTypeNames.IsNumber(existing))
        {
            throw MongoError.TypeMismatch(
                $"Cannot apply {name} to a value of non-numeric type. {DescribeId(context)} has the field '{path[^1]}' of non-numeric type {BsonTypeNames.NameOf(existing.BsonType)}");
        }
        else
        {
            result = Numeric.Combine(existing, operand, multiply, widenLongOverflow: false)
                ?? throw MongoError.BadValue($"Failed to apply {name} operations to current value ({existing}) for document {DescribeId(context)}: the result overflows a 64-bit integer");
        }

        UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], result.DeepClone());
    }
}
