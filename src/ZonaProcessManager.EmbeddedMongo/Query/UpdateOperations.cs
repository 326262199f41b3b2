using System.Text.RegularExpressions;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>The document being updated (a private copy) and what the update needs to resolve positional paths.</summary>
internal sealed class UpdateContext(BsonDocument document, int? positionalIndex, bool isUpsertInsert)
{
    public BsonDocument Document { get; } = document;
    public int? PositionalIndex { get; } = positionalIndex;
    public bool IsUpsertInsert { get; } = isUpsertInsert;
    public DateTime Now { get; } = DateTime.UtcNow;
}

/// <summary>Reading and writing concrete paths (numeric components index arrays; no implicit traversal of arrays).</summary>
internal static class UpdatePaths
{
    public static BsonValue? Get(BsonValue root, string[] path, int length = -1)
    {
        if (length < 0)
        {
            length = path.Length;
        }

        BsonValue? current = root;
        for (int i = 0; i < length && current is not null; i++)
        {
            current = Child(current, path[i]);
        }

        return current;
    }

    public static BsonValue? Child(BsonValue container, string name) => container switch
    {
        BsonDocument document => document.TryGetValue(name, out var value) ? value : null,
        BsonArray array when PathNode.TryParseIndex(name, out int index) && index < array.Count => array[index],
        _ => null,
    };

    /// <summary>Finds or creates the container that holds the last component of <paramref name="path"/>.</summary>
    public static bool TryGetParentForWrite(BsonDocument root, string[] path, out BsonValue parent, bool throwIfNotViable = false)
    {
        BsonValue current = root;
        for (int i = 0; i < path.Length - 1; i++)
        {
            var next = Child(current, path[i]);
            if (next is null)
            {
                if (current is BsonArray && !PathNode.TryParseIndex(path[i], out _))
                {
                    return Fail(current, path[i], throwIfNotViable, out parent);
                }

                next = new BsonDocument();
                SetChild(current, path[i], next);
            }
            else if (next is not (BsonDocument or BsonArray))
            {
                return Fail(next, path[i + 1], throwIfNotViable, out parent, path[i]);
            }

            current = next;
        }

        if (current is BsonArray && !PathNode.TryParseIndex(path[^1], out _))
        {
            return Fail(current, path[^1], throwIfNotViable, out parent);
        }

        parent = current;
        return true;
    }

    private static bool Fail(BsonValue element, string field, bool throwIfNotViable, out BsonValue parent, string? elementName = null)
    {
        if (throwIfNotViable)
        {
            string described = elementName is null ? element.ToString()! : $"{{{elementName}: {element}}}";
            throw new MongoError(28, "PathNotViable", $"Cannot create field '{field}' in element {described}");
        }

        parent = BsonNull.Value;
        return false;
    }

    public static void SetChild(BsonValue parent, string name, BsonValue value)
    {
        if (parent is BsonDocument document)
        {
            document[name] = value;
            return;
        }

        var array = (BsonArray)parent;
        int index = int.Parse(name, System.Globalization.CultureInfo.InvariantCulture);
        while (array.Count < index)
        {
            array.Add(BsonNull.Value);
        }

        if (index == array.Count)
        {
            array.Add(value);
        }
        else
        {
            array[index] = value;
        }
    }

    /// <summary>Removes a field; an array element cannot be removed by path, so it becomes null (as $unset does).</summary>
    public static void RemoveChild(BsonValue parent, string name)
    {
        if (parent is BsonDocument document)
        {
            document.Remove(name);
        }
        else if (parent is BsonArray array && PathNode.TryParseIndex(name, out int index) && index < array.Count)
        {
            array[index] = BsonNull.Value;
        }
    }
}

/// <summary>The arrayFilters of an update: identifier → condition on one array element.</summary>
internal sealed class ArrayFilterSet
{
    private static readonly Regex IdentifierPattern = new("^[a-z][a-zA-Z0-9]*$", RegexOptions.CultureInvariant);

    private readonly Dictionary<string, Filter> filters = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public static ArrayFilterSet Parse(BsonArray? arrayFilters)
    {
        var set = new ArrayFilterSet();
        if (arrayFilters is null)
        {
            return set;
        }

        foreach (var item in arrayFilters)
        {
            if (item is not BsonDocument filterDocument || filterDocument.ElementCount == 0)
            {
                throw MongoError.FailedToParse("Cannot use an expression without a top-level field name in arrayFilters");
            }

            string? identifier = null;
            foreach (var element in filterDocument)
            {
                string first = element.Name.Split('.')[0];
                if (identifier is not null && identifier != first)
                {
                    throw MongoError.FailedToParse($"Error parsing array filter :: caused by :: Expected a single top-level field name, found '{identifier}' and '{first}'");
                }

                identifier = first;
            }

            if (!IdentifierPattern.IsMatch(identifier!))
            {
                throw MongoError.BadValue($"Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '{identifier}'");
            }

            if (!set.filters.TryAdd(identifier!, Filter.Parse(filterDocument)))
            {
                throw MongoError.FailedToParse($"Found multiple array filters with the same top-level field name {identifier}");
            }
        }

        return set;
    }

    public void MarkUsed(string identifier, string path)
    {
        if (!filters.ContainsKey(identifier))
        {
            throw MongoError.BadValue($"No array filter found for identifier '{identifier}' in path '{path}'");
        }

        used.Add(identifier);
    }

    public void CheckAllUsed(BsonDocument update)
    {
        foreach (var identifier in filters.Keys)
        {
            if (!used.Contains(identifier))
            {
                throw MongoError.FailedToParse($"The array filter for identifier '{identifier}' was not used in the update {update}");
            }
        }
    }

    public bool ElementMatches(string identifier, BsonValue element) =>
        filters[identifier].Matches(new BsonDocument(identifier, element));
}

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

internal sealed class SetOperation(string path, string[] parts, ArrayFilterSet filters, BsonValue value, bool onlyOnInsert)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        if (onlyOnInsert && !context.IsUpsertInsert)
        {
            return;
        }

        var existing = UpdatePaths.Get(context.Document, path);
        if (existing is not null && BsonOrder.Identical(existing, value))
        {
            return;
        }

        UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], value.DeepClone());
    }
}

internal sealed class UnsetOperation(string path, string[] parts, ArrayFilterSet filters) : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        var parent = UpdatePaths.Get(context.Document, path, path.Length - 1);
        if (parent is not null)
        {
            UpdatePaths.RemoveChild(parent, path[^1]);
        }
    }
}

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

internal sealed class MinMaxOperation(string path, string[] parts, ArrayFilterSet filters, BsonValue operand, bool isMax)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        var existing = UpdatePaths.Get(context.Document, path);
        if (existing is not null)
        {
            int c = BsonOrder.Instance.Compare(operand, existing);
            if (isMax ? c <= 0 : c >= 0)
            {
                return;
            }
        }

        UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], operand.DeepClone());
    }
}

internal sealed class CurrentDateOperation(string path, string[] parts, ArrayFilterSet filters, bool timestamp)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        BsonValue value = timestamp
            ? new BsonTimestamp((int)new DateTimeOffset(context.Now).ToUnixTimeSeconds(), 1)
            : new BsonDateTime(context.Now);
        UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], value);
    }
}

internal sealed class RenameOperation(string path, string[] parts, ArrayFilterSet filters, string[] destination)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        BsonValue current = context.Document;
        for (int i = 0; i < path.Length - 1; i++)
        {
            var next = UpdatePaths.Child(current, path[i]);
            if (next is null || next is not BsonDocument)
            {
                if (next is BsonArray)
                {
                    throw MongoError.BadValue($"The source field cannot be an array element, '{Path}' in doc with {path[i]}: {next}");
                }

                return;
            }

            current = next;
        }

        var source = (BsonDocument)current;
        if (!source.TryGetValue(path[^1], out var value))
        {
            return;
        }

        BsonValue destinationParent = context.Document;
        for (int i = 0; i < destination.Length - 1; i++)
        {
            var next = UpdatePaths.Child(destinationParent, destination[i]);
            if (next is BsonArray)
            {
                throw MongoError.BadValue($"The destination field cannot be an array element, '{string.Join('.', destination)}' in doc with {destination[i]}: {next}");
            }

            if (next is null)
            {
                break;
            }

            destinationParent = next;
        }

        source.Remove(path[^1]);
        UpdatePaths.SetChild(ParentForWrite(context, destination), destination[^1], value);
    }
}

internal sealed class PushOperation(
    string path,
    string[] parts,
    ArrayFilterSet filters,
    BsonArray values,
    int? position,
    int? slice,
    SortSpec? sortByFields,
    int sortWhole,
    bool addToSet) : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        string name = addToSet ? "$addToSet" : "$push";
        var existing = UpdatePaths.Get(context.Document, path);
        BsonArray array;
        if (existing is null)
        {
            array = [];
        }
        else if (existing is BsonArray current)
        {
            array = current;
        }
        else
        {
            throw MongoError.BadValue(
                $"The field '{Path}' must be an array but is of type {BsonTypeNames.NameOf(existing.BsonType)} in document {DescribeId(context)}");
        }

        if (addToSet)
        {
            foreach (var value in values)
            {
                if (!array.Any(item => BsonOrder.ValuesEqual(item, value)))
                {
                    array.Add(value.DeepClone());
                }
            }
        }
        else
        {
            int insertAt = position switch
            {
                null => array.Count,
                < 0 => Math.Max(0, array.Count + position.Value),
                _ => Math.Min(position.Value, array.Count),
            };
            foreach (var value in values)
            {
                array.Insert(insertAt++, value.DeepClone());
            }

            if (sortWhole != 0 || sortByFields is not null)
            {
                var items = sortByFields is not null ? OrderByFields(array, sortByFields) : OrderWhole(array, sortWhole);
                array.Clear();
                array.AddRange(items);
            }

            if (slice is { } n)
            {
                var kept = n >= 0 ? array.Take(n).ToList() : array.Skip(Math.Max(0, array.Count + n)).ToList();
                array.Clear();
                array.AddRange(kept);
            }
        }

        if (existing is null)
        {
            UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], array);
        }
    }

    private static List<BsonValue> OrderWhole(BsonArray array, int direction)
    {
        var indexed = array.Select((value, index) => (Value: value, Index: index)).ToList();
        indexed.Sort((x, y) =>
        {
            int c = direction * BsonOrder.Instance.Compare(x.Value, y.Value);
            return c != 0 ? c : x.Index.CompareTo(y.Index);
        });
        return indexed.ConvertAll(p => p.Value);
    }

    private static List<BsonValue> OrderByFields(BsonArray array, SortSpec spec)
    {
        var indexed = array.Select((value, index) => (Value: value, Index: index)).ToList();
        indexed.Sort((x, y) =>
        {
            int c = spec.Compare(x.Value as BsonDocument ?? [], y.Value as BsonDocument ?? []);
            return c != 0 ? c : x.Index.CompareTo(y.Index);
        });
        return indexed.ConvertAll(p => p.Value);
    }
}

internal sealed class PullOperation(string path, string[] parts, ArrayFilterSet filters, Func<BsonValue, bool> shouldRemove, string operatorName)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        var existing = UpdatePaths.Get(context.Document, path);
        if (existing is null)
        {
            return;
        }

        if (existing is not BsonArray array)
        {
            throw MongoError.BadValue($"Cannot apply {operatorName} to a non-array value");
        }

        for (int i = array.Count - 1; i >= 0; i--)
        {
            if (shouldRemove(array[i]))
            {
                array.RemoveAt(i);
            }
        }
    }
}

internal sealed class PopOperation(string path, string[] parts, ArrayFilterSet filters, bool first) : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        var existing = UpdatePaths.Get(context.Document, path);
        if (existing is null)
        {
            return;
        }

        if (existing is not BsonArray array)
        {
            throw MongoError.TypeMismatch($"Path '{Path}' contains an element of non-array type '{BsonTypeNames.NameOf(existing.BsonType)}'");
        }

        if (array.Count > 0)
        {
            array.RemoveAt(first ? 0 : array.Count - 1);
        }
    }
}

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
