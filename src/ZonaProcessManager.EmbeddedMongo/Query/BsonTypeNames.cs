using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>MongoDB's names and numbers for BSON types, as used by $type, $jsonSchema bsonType and the $type expression.</summary>
internal static class BsonTypeNames
{
    private static readonly Dictionary<string, BsonType> ByName = new(StringComparer.Ordinal)
    {
        ["double"] = BsonType.Double,
        ["string"] = BsonType.String,
        ["object"] = BsonType.Document,
        ["array"] = BsonType.Array,
        ["binData"] = BsonType.Binary,
        ["undefined"] = BsonType.Undefined,
        ["objectId"] = BsonType.ObjectId,
        ["bool"] = BsonType.Boolean,
        ["date"] = BsonType.DateTime,
        ["null"] = BsonType.Null,
        ["regex"] = BsonType.RegularExpression,
        ["javascript"] = BsonType.JavaScript,
        ["symbol"] = BsonType.Symbol,
        ["javascriptWithScope"] = BsonType.JavaScriptWithScope,
        ["int"] = BsonType.Int32,
        ["timestamp"] = BsonType.Timestamp,
        ["long"] = BsonType.Int64,
        ["decimal"] = BsonType.Decimal128,
        ["minKey"] = BsonType.MinKey,
        ["maxKey"] = BsonType.MaxKey,
    };

    /// <summary>A set of accepted types; "number" stands for all four numeric types.</summary>
    public static bool TryResolve(string name, out BsonType[] types)
    {
        if (name == "number")
        {
            types = [BsonType.Double, BsonType.Int32, BsonType.Int64, BsonType.Decimal128];
            return true;
        }

        if (ByName.TryGetValue(name, out var type))
        {
            types = [type];
            return true;
        }

        types = [];
        return false;
    }

    public static bool TryResolve(int code, out BsonType type)
    {
        switch (code)
        {
            case -1:
                type = BsonType.MinKey;
                return true;
            case 127:
                type = BsonType.MaxKey;
                return true;
            case >= 1 and <= 19 and not 12:
                type = (BsonType)code;
                return true;
            default:
                type = default;
                return false;
        }
    }

    public static string NameOf(BsonType type)
    {
        foreach (var (name, candidate) in ByName)
        {
            if (candidate == type)
            {
                return name;
            }
        }

        return type.ToString();
    }

    public static bool IsNumber(BsonValue value) =>
        value.BsonType is BsonType.Double or BsonType.Int32 or BsonType.Int64 or BsonType.Decimal128;
}
