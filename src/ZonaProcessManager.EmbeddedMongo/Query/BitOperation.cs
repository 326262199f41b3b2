using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class BitOperation(string path, string[] parts, ArrayFilterSet filters, (string Kind, long Operand)[] steps)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        var existing = UpdatePaths.Get(context.Document, path) ?? new BsonInt32(0);
        if (existing.BsonType is not (BsonType.Int32 or BsonType.Int64))
        {
            throw MongoError.BadValue($"Cannot apply $bit to a value of non-integral type. {DescribeId(context)} has the field {path[^1]} of non-integer type {BsonTypeNames.NameOf(existing.BsonType)}");
        }

        bool isLong = existing.BsonType == BsonType.Int64;
        long value = existing.ToInt64();
        foreach (var (kind, operand) in steps)
        {
            value = kind switch
            {
                "and" => value & operand,
                "or" => value | operand,
                _ => value ^ operand,
            };
        }

        BsonValue result = isLong || value is < int.MinValue or > int.MaxValue ? new BsonInt64(value) : new BsonInt32((int)value);
        UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], result);
    }
}
