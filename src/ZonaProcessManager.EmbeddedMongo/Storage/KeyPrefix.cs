namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>The leading <paramref name="Fields"/> fields of an index key, encoded: a lookup on them is a range scan.</summary>
public sealed record KeyPrefix(byte[] Bytes, int Fields)
{
    /// <summary>The smallest byte string greater than every key that starts with the prefix; null when none exists (all 0xFF).</summary>
    public byte[]? UpperBound()
    {
        var bound = (byte[])Bytes.Clone();
        for (var i = bound.Length - 1; i >= 0; i--)
        {
            if (bound[i] != 0xFF)
            {
                bound[i]++;
                return bound[..(i + 1)];
            }
        }

        return null;
    }
}
