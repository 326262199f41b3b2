using System.Buffers.Binary;
using System.Text;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// Turns a BSON value into bytes such that values the query language calls equal (1, 1.0, NumberLong(1)) get the same
/// bytes, so SQLite can look them up by key. Each value starts with its MongoDB type-order class; dates are
/// big-endian with the sign flipped so that byte order equals time order (the TTL sweeper range-scans on it).
/// </summary>
public static class KeyEncoder
{
    private const byte MinKeyClass = 1;
    private const byte NullClass = 5;
    private const byte NumberClass = 10;
    private const byte StringClass = 15;
    private const byte DocumentClass = 20;
    private const byte ArrayClass = 25;
    private const byte BinaryClass = 30;
    private const byte ObjectIdClass = 35;
    private const byte BooleanClass = 40;
    private const byte DateClass = 45;
    private const byte TimestampClass = 47;
    private const byte RegexClass = 50;
    private const byte OtherClass = 60;
    private const byte MaxKeyClass = 127;

    public static byte[] Encode(BsonValue value)
    {
        using var stream = new MemoryStream();
        Write(stream, value);
        return stream.ToArray();
    }

    public static byte[] Encode(IReadOnlyList<BsonValue> values)
    {
        using var stream = new MemoryStream();
        foreach (var value in values)
        {
            Write(stream, value);
        }

        return stream.ToArray();
    }

    /// <summary>The encoding of a date, usable as a range bound against single-field date index keys.</summary>
    public static byte[] EncodeDate(long millisecondsSinceEpoch)
    {
        var bytes = new byte[9];
        bytes[0] = DateClass;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(1), (ulong)millisecondsSinceEpoch ^ 0x8000_0000_0000_0000UL);
        return bytes;
    }

    private static void Write(Stream stream, BsonValue value)
    {
        Span<byte> scratch = stackalloc byte[16];
        switch (value.BsonType)
        {
            case BsonType.MinKey:
                stream.WriteByte(MinKeyClass);
                break;
            case BsonType.Null or BsonType.Undefined:
                stream.WriteByte(NullClass);
                break;
            case BsonType.Int32 or BsonType.Int64 or BsonType.Double or BsonType.Decimal128:
                WriteNumber(stream, value, scratch);
                break;
            case BsonType.String or BsonType.Symbol:
                stream.WriteByte(StringClass);
                WriteString(stream, value.BsonType == BsonType.String ? value.AsString : value.AsBsonSymbol.Name, scratch);
                break;
            case BsonType.Document:
                {
                    var document = value.AsBsonDocument;
                    stream.WriteByte(DocumentClass);
                    BinaryPrimitives.WriteInt32BigEndian(scratch, document.ElementCount);
                    stream.Write(scratch[..4]);
                    foreach (var element in document)
                    {
                        WriteString(stream, element.Name, scratch);
                        Write(stream, element.Value);
                    }

                    break;
                }

            case BsonType.Array:
                {
                    var array = value.AsBsonArray;
                    stream.WriteByte(ArrayClass);
                    BinaryPrimitives.WriteInt32BigEndian(scratch, array.Count);
                    stream.Write(scratch[..4]);
                    foreach (var item in array)
                    {
                        Write(stream, item);
                    }

                    break;
                }

            case BsonType.Binary:
                {
                    var binary = value.AsBsonBinaryData;
                    stream.WriteByte(BinaryClass);
                    BinaryPrimitives.WriteInt32BigEndian(scratch, binary.Bytes.Length);
                    stream.Write(scratch[..4]);
                    stream.WriteByte((byte)binary.SubType);
                    stream.Write(binary.Bytes);
                    break;
                }

            case BsonType.ObjectId:
                stream.WriteByte(ObjectIdClass);
                stream.Write(value.AsObjectId.ToByteArray());
                break;
            case BsonType.Boolean:
                stream.WriteByte(BooleanClass);
                stream.WriteByte(value.AsBoolean ? (byte)1 : (byte)0);
                break;
            case BsonType.DateTime:
                stream.Write(EncodeDate(value.AsBsonDateTime.MillisecondsSinceEpoch));
                break;
            case BsonType.Timestamp:
                stream.WriteByte(TimestampClass);
                BinaryPrimitives.WriteInt64BigEndian(scratch, value.AsBsonTimestamp.Value);
                stream.Write(scratch[..8]);
                break;
            case BsonType.RegularExpression:
                stream.WriteByte(RegexClass);
                WriteString(stream, value.AsBsonRegularExpression.Pattern, scratch);
                WriteString(stream, value.AsBsonRegularExpression.Options, scratch);
                break;
            case BsonType.MaxKey:
                stream.WriteByte(MaxKeyClass);
                break;
            default:
                {
                    stream.WriteByte(OtherClass);
                    var bytes = new BsonDocument("v", value).ToBson();
                    stream.Write(bytes);
                    break;
                }
        }
    }

    private static void WriteNumber(Stream stream, BsonValue value, Span<byte> scratch)
    {
        stream.WriteByte(NumberClass);
        if (TryGetIntegral(value, out var integral))
        {
            stream.WriteByte(0);
            BinaryPrimitives.WriteInt64BigEndian(scratch, integral);
            stream.Write(scratch[..8]);
            return;
        }

        var number = value.BsonType == BsonType.Decimal128 ? (double)value.AsDecimal128 : value.ToDouble();
        if (double.IsNaN(number))
        {
            number = double.NaN;
        }

        stream.WriteByte(1);
        BinaryPrimitives.WriteDoubleBigEndian(scratch, number);
        stream.Write(scratch[..8]);
    }

    private static bool TryGetIntegral(BsonValue value, out long integral)
    {
        switch (value.BsonType)
        {
            case BsonType.Int32:
                integral = value.AsInt32;
                return true;
            case BsonType.Int64:
                integral = value.AsInt64;
                return true;
            case BsonType.Double:
                {
                    var number = value.AsDouble;
                    if (Math.Floor(number) == number && number >= -9.2e18 && number <= 9.2e18)
                    {
                        integral = (long)number;
                        return true;
                    }

                    break;
                }

            case BsonType.Decimal128:
                {
                    var number = value.AsDecimal128;
                    if (!Decimal128.IsNaN(number) && !Decimal128.IsInfinity(number))
                    {
                        try
                        {
                            var asDecimal = Decimal128.ToDecimal(number);
                            if (decimal.Truncate(asDecimal) == asDecimal && asDecimal >= long.MinValue && asDecimal <= long.MaxValue)
                            {
                                integral = (long)asDecimal;
                                return true;
                            }
                        }
                        catch (OverflowException)
                        {
                            // Outside decimal's range: fall through to the double encoding.
                        }
                    }

                    break;
                }
        }

        integral = 0;
        return false;
    }

    private static void WriteString(Stream stream, string text, Span<byte> scratch)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        BinaryPrimitives.WriteInt32BigEndian(scratch, bytes.Length);
        stream.Write(scratch[..4]);
        stream.Write(bytes);
    }
}
