using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>One operator applied to one path, e.g. $inc on "a.b".</summary>
internal abstract class UpdateOperation(string path, string[] parts, ArrayFilterSet arrayFilters)
{
    public string Path { get; } = path;
    public string[] Parts { get; } = parts;

    public void Apply(UpdateContext context)
    {
        foreach (var concrete in Expand(context, Parts))
        {
            ApplyAt(context, concrete);
        }
    }

    protected abstract void ApplyAt(UpdateContext context, string[] path);

    /// <summary>Resolves "$", "$[]" and "$[id]" into the concrete paths they designate in this document.</summary>
    private List<string[]> Expand(UpdateContext context, string[] parts)
    {
        var results = new List<string[]>();
        bool dynamic = Array.Exists(parts, p => p.StartsWith('$'));
        if (!dynamic)
        {
            results.Add(parts);
            return results;
        }

        ExpandFrom(context, parts, [], 0, results);
        return results;
    }

    private void ExpandFrom(UpdateContext context, string[] parts, List<string> prefix, int index, List<string[]> results)
    {
        if (index == parts.Length)
        {
            results.Add([.. prefix]);
            return;
        }

        string part = parts[index];
        if (part == "$")
        {
            if (context.PositionalIndex is not { } position)
            {
                throw MongoError.BadValue("The positional operator did not find the match needed from the query.");
            }

            prefix.Add(position.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ExpandFrom(context, parts, prefix, index + 1, results);
            prefix.RemoveAt(prefix.Count - 1);
            return;
        }

        if (part.StartsWith("$[", StringComparison.Ordinal))
        {
            var container = UpdatePaths.Get(context.Document, [.. prefix]);
            string prefixText = string.Join('.', prefix);
            if (container is null)
            {
                if (context.IsUpsertInsert)
                {
                    return;
                }

                throw MongoError.BadValue($"The path '{prefixText}' must exist in the document in order to apply array updates.");
            }

            if (container is not BsonArray array)
            {
                throw MongoError.BadValue($"Cannot apply array updates to non-array element {prefix[^1]}: {container}");
            }

            string identifier = part[2..^1];
            for (int i = 0; i < array.Count; i++)
            {
                if (identifier.Length == 0 || arrayFilters.ElementMatches(identifier, array[i]))
                {
                    prefix.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    ExpandFrom(context, parts, prefix, index + 1, results);
                    prefix.RemoveAt(prefix.Count - 1);
                }
            }

            return;
        }

        prefix.Add(part);
        ExpandFrom(context, parts, prefix, index + 1, results);
        prefix.RemoveAt(prefix.Count - 1);
    }

    protected static BsonValue ParentForWrite(UpdateContext context, string[] path)
    {
        UpdatePaths.TryGetParentForWrite(context.Document, path, out var parent, throwIfNotViable: true);
        return parent;
    }

    protected static string DescribeId(UpdateContext context) =>
        context.Document.TryGetValue("_id", out var id) ? $"{{_id: {id}}}" : "{}";
}
