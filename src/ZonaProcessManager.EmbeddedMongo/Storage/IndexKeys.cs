using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>Computes the keys a document contributes to an index, with MongoDB's multikey rules.</summary>
public static class IndexKeys
{
    /// <summary>All distinct keys of <paramref name="document"/> in <paramref name="index"/>; empty when a sparse index skips it.</summary>
    public static List<IndexKey> For(IndexMeta index, BsonDocument document)
    {
        var fields = index.Fields;
        var perField = new List<List<BsonValue>>(fields.Count);
        var anyPresent = false;
        var multikeyFields = 0;
        foreach (var field in fields)
        {
            var values = new List<BsonValue>();
            var expanded = false;
            Collect(document, field.Split('.'), 0, values, ref expanded);
            if (values.Count == 0)
            {
                values.Add(BsonNull.Value);
            }
            else
            {
                anyPresent = true;
            }

            if (expanded)
            {
                multikeyFields++;
            }

            perField.Add(values);
        }

        if (index.Sparse && !anyPresent)
        {
            return [];
        }

        if (multikeyFields > 1)
        {
            throw new MongoError(171, "CannotIndexParallelArrays",
                $"cannot index parallel arrays [{string.Join("] [", fields)}] in index {index.Name}");
        }

        var keys = new List<IndexKey>();
        var seen = new HashSet<string>();
        foreach (var combination in Cartesian(perField))
        {
            var bytes = KeyEncoder.Encode(combination);
            if (seen.Add(Convert.ToHexString(bytes)))
            {
                var values = new BsonDocument();
                for (var i = 0; i < fields.Count; i++)
                {
                    values[fields[i]] = combination[i];
                }

                keys.Add(new IndexKey(bytes, values));
            }
        }

        return keys;
    }

    /// <summary>
    /// The encoded values of the longest leading run of the index's fields that the query pins by equality, e.g. tenant
    /// alone on a (tenant, name) index; null when not even the first field is pinned. Each value's encoding is
    /// self-delimiting (fixed width or length-prefixed), so every key of a matching document starts with these bytes.
    /// </summary>
    public static KeyPrefix? LookupPrefix(IndexMeta index, IReadOnlyDictionary<string, BsonValue> equalities)
    {
        if (index.PartialFilter is not null)
        {
            return null;
        }

        var values = new List<BsonValue>();
        foreach (var field in index.Fields)
        {
            if (!equalities.TryGetValue(field, out var value) || !IsIndexable(value) || field.Split('.').Any(IsNumeric)
                || (index.Sparse && value.IsBsonNull))
            {
                break;
            }

            values.Add(value);
        }

        return values.Count == 0 ? null : new KeyPrefix(KeyEncoder.Encode(values), values.Count);
    }

    /// <summary>The values a dotted path reaches, array elements unwound as MongoDB's distinct does; missing paths give none.</summary>
    public static List<BsonValue> ValuesAt(BsonDocument document, string path)
    {
        var values = new List<BsonValue>();
        var expanded = false;
        Collect(document, path.Split('.'), 0, values, ref expanded);
        values.RemoveAll(v => v.BsonType == BsonType.Undefined);
        return values;
    }

    private static bool IsIndexable(BsonValue value) =>
        value.BsonType is not (BsonType.Array or BsonType.RegularExpression or BsonType.Undefined);

    private static bool IsNumeric(string part) => part.Length > 0 && part.All(char.IsAsciiDigit);

    private static void Collect(BsonValue current, string[] parts, int depth, List<BsonValue> output, ref bool expanded)
    {
        if (depth == parts.Length)
        {
            if (current is BsonArray array && array.Count > 0)
            {
                expanded = true;
                foreach (var item in array)
                {
                    output.Add(item);
                }
            }
            else
            {
                output.Add(current is BsonArray ? BsonUndefined.Value : current);
            }

            return;
        }

        switch (current)
        {
            case BsonDocument document:
                if (document.TryGetValue(parts[depth], out var child))
                {
                    Collect(child, parts, depth + 1, output, ref expanded);
                }

                break;
            case BsonArray array:
                if (IsNumeric(parts[depth]) && int.TryParse(parts[depth], out var position) && position < array.Count)
                {
                    Collect(array[position], parts, depth + 1, output, ref expanded);
                }

                foreach (var item in array)
                {
                    if (item is BsonDocument)
                    {
                        expanded = true;
                        Collect(item, parts, depth, output, ref expanded);
                    }
                }

                break;
        }
    }

    private static IEnumerable<BsonValue[]> Cartesian(List<List<BsonValue>> perField)
    {
        IEnumerable<BsonValue[]> result = [[]];
        foreach (var values in perField)
        {
            var captured = values;
            result = result.SelectMany(prefix => captured.Select(value => (BsonValue[])[.. prefix, value]));
        }

        return result;
    }
}

/// <summary>One key of a document in one index: the encoded bytes and the values, for 11000's keyValue.</summary>
public sealed record IndexKey(byte[] Bytes, BsonDocument Values);
