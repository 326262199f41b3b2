using System.Buffers.Binary;

namespace ZonaProcessManager.EmbeddedMongo.Wire;

/// <summary>
/// Walks raw BSON without building objects and rejects structurally broken or absurdly nested documents
/// before MongoDB.Bson's recursive deserializer sees them: a deep enough document would otherwise overflow the
/// stack and kill the whole process, not just the offending connection.
/// </summary>
public static class BsonDepthGuard
{
    public const int DefaultMaxDepth = 180;

    /// <summary>Returns null when the document at <paramref name="offset"/> is well-formed, else a reason.</summary>
    public static string? Check(ReadOnlySpan<byte> buffer, int offset, int maxDepth = DefaultMaxDepth)
    {
        if (offset + 5 > buffer.Length)
        {
            return "document truncated";
        }

        var ends = new Stack<int>();
        var position = offset;
        var size = BinaryPrimitives.ReadInt32LittleEndian(buffer[position..]);
        if (size < 5 || position + size > buffer.Length)
        {
            return "invalid document length";
        }

        ends.Push(position + size);
        position += 4;
        while (ends.Count > 0)
        {
            var end = ends.Peek();
            if (position >= end)
            {
                return "document overruns its declared length";
            }

            var type = buffer[position++];
            if (type == 0)
            {
                if (position != end)
                {
                    return "document terminator before declared end";
                }

                ends.Pop();
                continue;
            }

            var nameEnd = buffer[position..end].IndexOf((byte)0);
            if (nameEnd < 0)
            {
                return "unterminated element name";
            }

            position += nameEnd + 1;
            switch (type)
            {
                case 0x01 or 0x09 or 0x11 or 0x12: position += 8; break;
                case 0x10: position += 4; break;
                case 0x13: position += 16; break;
                case 0x07: position += 12; break;
                case 0x08: position += 1; break;
                case 0x06 or 0x0A or 0xFF or 0x7F: break;
                case 0x02 or 0x0D or 0x0E:
                    if (!SkipString(buffer, ref position, end))
                    {
                        return "invalid string length";
                    }

                    break;
                case 0x0C:
                    if (!SkipString(buffer, ref position, end))
                    {
                        return "invalid string length";
                    }

                    position += 12;
                    break;
                case 0x05:
                    {
                        if (position + 5 > end)
                        {
                            return "binary truncated";
                        }

                        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer[position..]);
                        if (length < 0)
                        {
                            return "invalid binary length";
                        }

                        position += 5 + length;
                        break;
                    }

                case 0x0B:
                    for (var part = 0; part < 2; part++)
                    {
                        var terminator = position < end ? buffer[position..end].IndexOf((byte)0) : -1;
                        if (terminator < 0)
                        {
                            return "unterminated regex";
                        }

                        position += terminator + 1;
                    }

                    break;
                case 0x03 or 0x04:
                    {
                        if (ends.Count >= maxDepth)
                        {
                            return $"nesting deeper than {maxDepth} levels";
                        }

                        if (position + 5 > end)
                        {
                            return "embedded document truncated";
                        }

                        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer[position..]);
                        if (length < 5 || position + length > end)
                        {
                            return "invalid embedded document length";
                        }

                        ends.Push(position + length);
                        position += 4;
                        break;
                    }

                case 0x0F:
                    {
                        if (ends.Count >= maxDepth)
                        {
                            return $"nesting deeper than {maxDepth} levels";
                        }

                        if (position + 4 > end)
                        {
                            return "code with scope truncated";
                        }

                        var total = BinaryPrimitives.ReadInt32LittleEndian(buffer[position..]);
                        if (total < 14 || position + total > end)
                        {
                            return "invalid code with scope length";
                        }

                        var scopeEnd = position + total;
                        position += 4;
                        if (!SkipString(buffer, ref position, scopeEnd))
                        {
                            return "invalid string length";
                        }

                        var scopeLength = position + 4 <= scopeEnd ? BinaryPrimitives.ReadInt32LittleEndian(buffer[position..]) : -1;
                        if (scopeLength < 5 || position + scopeLength != scopeEnd)
                        {
                            return "invalid scope length";
                        }

                        ends.Push(scopeEnd);
                        position += 4;
                        break;
                    }

                default:
                    return $"unknown BSON type 0x{type:x2}";
            }

            if (position > end)
            {
                return "element overruns its document";
            }
        }

        return null;
    }

    private static bool SkipString(ReadOnlySpan<byte> buffer, ref int position, int end)
    {
        if (position + 4 > end)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer[position..]);
        if (length < 1 || position + 4 + length > end || buffer[position + 4 + length - 1] != 0)
        {
            return false;
        }

        position += 4 + length;
        return true;
    }
}
