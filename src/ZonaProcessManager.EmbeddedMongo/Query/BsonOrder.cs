using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>MongoDB's total order over BSON values, across types (MinKey &lt; null &lt; numbers &lt; strings &lt; ... &lt; MaxKey).</summary>
public sealed class BsonOrder : IComparer<BsonValue>
{
    public static readonly BsonOrder Instance = new();

    public int Compare(BsonValue? x, BsonValue? y)
    {
        // A C# null stands for "missing", which MongoDB orders like null.
        x ??= BsonNull.Value;
        y ??= BsonNull.Value;
        int rankX = CanonicalRank(x.BsonType), rankY = CanonicalRank(y.BsonType);
        if (rankX != rankY)
        {
            return rankX.CompareTo(rankY);
        }

        return CompareSameRank(x, y);
    }

    /// <summary>Equality as the query language sees it: 1 == 1.0 == NumberLong(1); documents field-by-field in order.</summary>
    public static bool ValuesEqual(BsonValue x, BsonValue y) => Instance.Compare(x, y) == 0;

    /// <summary>
    /// MongoDB's canonical type ranks (bsontypes.cpp canonicalizeBSONType): types with the same rank compare by value,
    /// which is also the "type bracket" that $gt/$lt stay within.
    /// </summary>
    public static int CanonicalRank(BsonType type) => type switch
    {
        BsonType.MinKey => -1,
        BsonType.Undefined => 0,
        BsonType.Null => 5,
        BsonType.Double or BsonType.Int32 or BsonType.Int64 or BsonType.Decimal128 => 10,
        BsonType.String or BsonType.Symbol => 15,
        BsonType.Document => 20,
        BsonType.Array => 25,
        BsonType.Binary => 30,
        BsonType.ObjectId => 35,
        BsonType.Boolean => 40,
        BsonType.DateTime => 45,
        BsonType.Timestamp => 47,
        BsonType.RegularExpression => 50,
        BsonType.JavaScript => 60,
        BsonType.JavaScriptWithScope => 65,
        BsonType.MaxKey => 127,
        _ => 100,
    };

    private static int CompareSameRank(BsonValue x, BsonValue y)
    {
        switch (x.BsonType)
        {
            case BsonType.MinKey:
            case BsonType.MaxKey:
            case BsonType.Null:
            case BsonType.Undefined:
                return 0;
            case BsonType.Double:
            case BsonType.Int32:
            case BsonType.Int64:
            case BsonType.Decimal128:
                return CompareNumbers(x, y);
            case BsonType.String:
            case BsonType.Symbol:
                return Collation.Current is { } collation ? collation.Compare(StringOf(x), StringOf(y)) : CompareStrings(StringOf(x), StringOf(y));
            case BsonType.Document:
                return CompareDocuments(x.AsBsonDocument, y.AsBsonDocument);
            case BsonType.Array:
                return CompareArrays(x.AsBsonArray, y.AsBsonArray);
            case BsonType.Binary:
                return CompareBinary(x.AsBsonBinaryData, y.AsBsonBinaryData);
            case BsonType.ObjectId:
                return x.AsObjectId.CompareTo(y.AsObjectId);
            case BsonType.Boolean:
                return x.AsBoolean.CompareTo(y.AsBoolean);
            case BsonType.DateTime:
                return ((BsonDateTime)x).MillisecondsSinceEpoch.CompareTo(((BsonDateTime)y).MillisecondsSinceEpoch);
            case BsonType.Timestamp:
                return ((ulong)((BsonTimestamp)x).Value).CompareTo((ulong)((BsonTimestamp)y).Value);
            case BsonType.RegularExpression:
                {
                    var rx = x.AsBsonRegularExpression;
                    var ry = y.AsBsonRegularExpression;
                    int byPattern = CompareStrings(rx.Pattern, ry.Pattern);
                    return byPattern != 0 ? byPattern : CompareStrings(rx.Options, ry.Options);
                }
            case BsonType.JavaScript:
                return CompareStrings(x.AsBsonJavaScript.Code, y.AsBsonJavaScript.Code);
            case BsonType.JavaScriptWithScope:
                {
                    int byCode = CompareStrings(x.AsBsonJavaScriptWithScope.Code, y.AsBsonJavaScriptWithScope.Code);
                    return byCode != 0 ? byCode : CompareDocuments(x.AsBsonJavaScriptWithScope.Scope, y.AsBsonJavaScriptWithScope.Scope);
                }
            default:
                return CompareStrings(x.ToString() ?? "", y.ToString() ?? "");
        }
    }

    private static string StringOf(BsonValue value) => value is BsonSymbol symbol ? symbol.Name : value.AsString;

    /// <summary>MongoDB compares strings by their UTF-8 bytes, which differs from UTF-16 ordinal order for surrogate pairs.</summary>
    internal static int CompareStrings(string x, string y)
    {
        int length = Math.Min(x.Length, y.Length);
        for (int i = 0; i < length; i++)
        {
            char cx = x[i], cy = y[i];
            if (cx == cy)
            {
                continue;
            }

            // Surrogates (U+D800..U+DFFF) encode code points above U+FFFF, which sort after every BMP character in UTF-8.
            bool sx = char.IsSurrogate(cx), sy = char.IsSurrogate(cy);
            if (sx != sy)
            {
                return sx ? 1 : -1;
            }

            return cx.CompareTo(cy);
        }

        return x.Length.CompareTo(y.Length);
    }

    private static int CompareDocuments(BsonDocument x, BsonDocument y)
    {
        int count = Math.Min(x.ElementCount, y.ElementCount);
        for (int i = 0; i < count; i++)
        {
            var ex = x.GetElement(i);
            var ey = y.GetElement(i);
            int byType = CanonicalRank(ex.Value.BsonType).CompareTo(CanonicalRank(ey.Value.BsonType));
            if (byType != 0)
            {
                return byType;
            }

            int byName = CompareStrings(ex.Name, ey.Name);
            if (byName != 0)
            {
                return byName;
            }

            int byValue = CompareSameRank(ex.Value, ey.Value);
            if (byValue != 0)
            {
                return byValue;
            }
        }

        return x.ElementCount.CompareTo(y.ElementCount);
    }

    private static int CompareArrays(BsonArray x, BsonArray y)
    {
        int count = Math.Min(x.Count, y.Count);
        for (int i = 0; i < count; i++)
        {
            int c = Instance.Compare(x[i], y[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return x.Count.CompareTo(y.Count);
    }

    private static int CompareBinary(BsonBinaryData x, BsonBinaryData y)
    {
        // MongoDB orders BinData by length first, then subtype, then bytes.
        int byLength = x.Bytes.Length.CompareTo(y.Bytes.Length);
        if (byLength != 0)
        {
            return byLength;
        }

        int bySubType = ((byte)x.SubType).CompareTo((byte)y.SubType);
        return bySubType != 0 ? bySubType : x.Bytes.AsSpan().SequenceCompareTo(y.Bytes);
    }

    /// <summary>Numeric comparison across int/long/double/decimal; NaN sorts below every other number, as in MongoDB.</summary>
    internal static int CompareNumbers(BsonValue x, BsonValue y)
    {
        if (x.BsonType is BsonType.Int32 or BsonType.Int64 && y.BsonType is BsonType.Int32 or BsonType.Int64)
        {
            return x.ToInt64().CompareTo(y.ToInt64());
        }

        if (x.BsonType == BsonType.Decimal128 || y.BsonType == BsonType.Decimal128)
        {
            return CompareDecimal(ToDecimal128(x), ToDecimal128(y));
        }

        double dx = x.ToDouble(), dy = y.ToDouble();
        bool nanX = double.IsNaN(dx), nanY = double.IsNaN(dy);
        if (nanX || nanY)
        {
            return nanX == nanY ? 0 : nanX ? -1 : 1;
        }

        if (x.BsonType == BsonType.Int64)
        {
            return -CompareDoubleToLong(dy, x.AsInt64);
        }

        if (y.BsonType == BsonType.Int64)
        {
            return CompareDoubleToLong(dx, y.AsInt64);
        }

        return dx.CompareTo(dy) switch { < 0 => -1, > 0 => 1, _ => 0 };
    }

    /// <summary>Exact comparison: a long above 2^53 is not representable as a double, so converting either way would lie.</summary>
    private static int CompareDoubleToLong(double d, long l)
    {
        const double TwoTo63 = 9223372036854775808.0;
        if (d < -TwoTo63)
        {
            return -1;
        }

        if (d >= TwoTo63)
        {
            return 1;
        }

        // Within the long range the integral part of a double converts exactly; the fraction breaks ties.
        double integral = Math.Truncate(d);
        int byIntegral = ((long)integral).CompareTo(l);
        if (byIntegral != 0)
        {
            return byIntegral;
        }

        double fraction = d - integral;
        return fraction > 0 ? 1 : fraction < 0 ? -1 : 0;
    }

    internal static Decimal128 ToDecimal128(BsonValue value) => value.BsonType switch
    {
        BsonType.Decimal128 => value.AsDecimal128,
        BsonType.Int32 => new Decimal128(value.AsInt32),
        BsonType.Int64 => new Decimal128(value.AsInt64),
        _ => new Decimal128(value.AsDouble),
    };

    private static int CompareDecimal(Decimal128 x, Decimal128 y)
    {
        bool nanX = Decimal128.IsNaN(x), nanY = Decimal128.IsNaN(y);
        if (nanX || nanY)
        {
            return nanX == nanY ? 0 : nanX ? -1 : 1;
        }

        return x.CompareTo(y) switch { < 0 => -1, > 0 => 1, _ => 0 };
    }

    /// <summary>Exact BSON identity (same types, same values, same field order), which decides whether an update changed anything.</summary>
    public static bool Identical(BsonValue x, BsonValue y)
    {
        if (x.BsonType != y.BsonType)
        {
            return false;
        }

        switch (x.BsonType)
        {
            case BsonType.Document:
                {
                    var dx = x.AsBsonDocument;
                    var dy = y.AsBsonDocument;
                    if (dx.ElementCount != dy.ElementCount)
                    {
                        return false;
                    }

                    for (int i = 0; i < dx.ElementCount; i++)
                    {
                        var ex = dx.GetElement(i);
                        var ey = dy.GetElement(i);
                        if (ex.Name != ey.Name || !Identical(ex.Value, ey.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                }
            case BsonType.Array:
                {
                    var ax = x.AsBsonArray;
                    var ay = y.AsBsonArray;
                    if (ax.Count != ay.Count)
                    {
                        return false;
                    }

                    for (int i = 0; i < ax.Count; i++)
                    {
                        if (!Identical(ax[i], ay[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                }
            case BsonType.Double:
                return BitConverter.DoubleToInt64Bits(x.AsDouble) == BitConverter.DoubleToInt64Bits(y.AsDouble);
            default:
                return x.Equals(y);
        }
    }
}
