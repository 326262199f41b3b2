using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>
/// Arithmetic with MongoDB's type widening: int, then long, then double, then decimal. Integer overflow widens
/// (int → long; long → double in expressions) instead of wrapping around.
/// </summary>
internal static class Numeric
{
    private enum Width
    {
        Int,
        Long,
        Double,
        Decimal,
    }

    private static Width WidthOf(BsonValue value) => value.BsonType switch
    {
        BsonType.Int32 => Width.Int,
        BsonType.Int64 => Width.Long,
        BsonType.Double => Width.Double,
        _ => Width.Decimal,
    };

    /// <summary>Adds or multiplies two numbers; null when a 64-bit integer result overflows and <paramref name="widenLongOverflow"/> is false.</summary>
    public static BsonValue? Combine(BsonValue x, BsonValue y, bool multiply, bool widenLongOverflow = true)
    {
        var width = (Width)Math.Max((int)WidthOf(x), (int)WidthOf(y));
        switch (width)
        {
            case Width.Int:
            case Width.Long:
                {
                    long a = x.ToInt64(), b = y.ToInt64();
                    long result;
                    try
                    {
                        result = checked(multiply ? a * b : a + b);
                    }
                    catch (OverflowException)
                    {
                        if (!widenLongOverflow)
                        {
                            return null;
                        }

                        double da = a, db = b;
                        return new BsonDouble(multiply ? da * db : da + db);
                    }

                    if (width == Width.Int && result is >= int.MinValue and <= int.MaxValue)
                    {
                        return new BsonInt32((int)result);
                    }

                    return new BsonInt64(result);
                }
            case Width.Double:
                {
                    double a = x.ToDouble(), b = y.ToDouble();
                    return new BsonDouble(multiply ? a * b : a + b);
                }
            default:
                {
                    decimal a, b;
                    try
                    {
                        a = Decimal128.ToDecimal(BsonOrder.ToDecimal128(x));
                        b = Decimal128.ToDecimal(BsonOrder.ToDecimal128(y));
                        return new BsonDecimal128(new Decimal128(multiply ? a * b : a + b));
                    }
                    catch (Exception e) when (e is OverflowException or InvalidCastException or ArgumentException)
                    {
                        // NaN, infinities and values beyond System.Decimal fall back to double arithmetic.
                        double da = x.ToDouble(), db = y.ToDouble();
                        return new BsonDecimal128(new Decimal128(multiply ? da * db : da + db));
                    }
                }
        }
    }

    public static BsonValue Negate(BsonValue value) => value.BsonType switch
    {
        BsonType.Int32 when value.AsInt32 != int.MinValue => new BsonInt32(-value.AsInt32),
        BsonType.Int32 => new BsonInt64(-(long)value.AsInt32),
        BsonType.Int64 when value.AsInt64 != long.MinValue => new BsonInt64(-value.AsInt64),
        BsonType.Int64 => new BsonDouble(-(double)value.AsInt64),
        BsonType.Double => new BsonDouble(-value.AsDouble),
        _ => new BsonDecimal128(Decimal128.Negate(value.AsDecimal128)),
    };

    public static BsonValue Divide(BsonValue x, BsonValue y)
    {
        if (x.BsonType == BsonType.Decimal128 || y.BsonType == BsonType.Decimal128)
        {
            if (y.ToDouble() == 0)
            {
                throw MongoError.BadValue("can't $divide by zero");
            }

            try
            {
                return new BsonDecimal128(new Decimal128(Decimal128.ToDecimal(BsonOrder.ToDecimal128(x)) / Decimal128.ToDecimal(BsonOrder.ToDecimal128(y))));
            }
            catch (Exception e) when (e is OverflowException or InvalidCastException or ArgumentException)
            {
                return new BsonDecimal128(new Decimal128(x.ToDouble() / y.ToDouble()));
            }
        }

        double d = y.ToDouble();
        if (d == 0)
        {
            throw MongoError.BadValue("can't $divide by zero");
        }

        return new BsonDouble(x.ToDouble() / d);
    }

    public static BsonValue Modulo(BsonValue x, BsonValue y)
    {
        var width = (Width)Math.Max((int)WidthOf(x), (int)WidthOf(y));
        if (y.ToDouble() == 0)
        {
            throw new MongoError(16610, "Location16610", "can't $mod by zero");
        }

        return width switch
        {
            Width.Int => new BsonInt32(x.ToInt32() % y.ToInt32()),
            Width.Long => new BsonInt64(x.ToInt64() % y.ToInt64()),
            Width.Double => new BsonDouble(x.ToDouble() % y.ToDouble()),
            _ => DecimalModulo(x, y),
        };
    }

    private static BsonValue DecimalModulo(BsonValue x, BsonValue y)
    {
        try
        {
            return new BsonDecimal128(new Decimal128(Decimal128.ToDecimal(BsonOrder.ToDecimal128(x)) % Decimal128.ToDecimal(BsonOrder.ToDecimal128(y))));
        }
        catch (Exception e) when (e is OverflowException or InvalidCastException or ArgumentException)
        {
            return new BsonDecimal128(new Decimal128(x.ToDouble() % y.ToDouble()));
        }
    }

    /// <summary>The zero of the operand's type, which $mul writes into a missing field.</summary>
    public static BsonValue ZeroLike(BsonValue value) => value.BsonType switch
    {
        BsonType.Int32 => new BsonInt32(0),
        BsonType.Int64 => new BsonInt64(0),
        BsonType.Double => new BsonDouble(0),
        _ => new BsonDecimal128(Decimal128.Zero),
    };
}
