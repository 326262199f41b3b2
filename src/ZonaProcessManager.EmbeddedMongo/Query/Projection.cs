using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>A parsed find projection: inclusion or exclusion, _id rules, dotted paths, $slice, $elemMatch and positional "a.$".</summary>
public sealed class Projection
{
    private enum Action
    {
        Subtree,
        Include,
        Exclude,
        Slice,
        ElemMatch,
        Computed,
        Positional,
    }

    private sealed class Node
    {
        public Action Action = Action.Subtree;
        public readonly List<(string Name, Node Child)> Children = [];
        public int SliceSkip;
        public int? SliceLimit;
        public Filter? ElemMatch;
        public Expression? Computed;

        public Node? Find(string name)
        {
            foreach (var (childName, child) in Children)
            {
                if (childName == name)
                {
                    return child;
                }
            }

            return null;
        }
    }

    private readonly Node root;
    private readonly bool inclusion;
    private readonly bool includeId;

    private Projection(Node root, bool inclusion, bool includeId)
    {
        this.root = root;
        this.inclusion = inclusion;
        this.includeId = includeId;
    }

    /// <summary>Throws <see cref="MongoError"/> (e.g. 31254 for mixing inclusion and exclusion) on an invalid projection.</summary>
    public static Projection Parse(BsonDocument projection) => Parse(projection, forAggregation: false);

    /// <summary>A $project stage: like a find projection, except $slice/$elemMatch are expressions and "a.$" is not allowed.</summary>
    internal static Projection ParseForAggregation(BsonDocument projection)
    {
        if (projection.ElementCount == 0)
        {
            throw new MongoError(51272, "Location51272", "projection specification must have at least one field");
        }

        return Parse(projection, forAggregation: true);
    }

    private static Projection Parse(BsonDocument projection, bool forAggregation)
    {
        ArgumentNullException.ThrowIfNull(projection);
        var root = new Node();
        bool? inclusionMode = null;
        bool includeId = true;
        bool sawPositional = false;
        bool idExplicitlyIncluded = false;

        foreach (var (name, value) in Flatten(projection, ""))
        {
            if (name.Length == 0 || name.StartsWith('$'))
            {
                throw MongoError.BadValue($"FieldPath field names may not start with '$'. Consider using $getField or $setField: '{name}'");
            }

            bool isFlag = value is BsonBoolean || BsonTypeNames.IsNumber(value);
            if (name == "_id" && isFlag)
            {
                includeId = ExpressionEvaluator.IsTruthy(value);
                idExplicitlyIncluded = includeId;
                continue;
            }

            var node = new Node();
            string path = name;
            if (name.EndsWith(".$", StringComparison.Ordinal))
            {
                if (forAggregation)
                {
                    throw new MongoError(31324, "Location31324", "Cannot use positional projection in aggregation projection");
                }

                if (sawPositional)
                {
                    throw MongoError.BadValue("Cannot specify more than one positional projection per query.");
                }

                sawPositional = true;
                path = name[..^2];
                node.Action = Action.Positional;
                RequireMode(ref inclusionMode, true, name);
            }
            else if (isFlag)
            {
                bool include = ExpressionEvaluator.IsTruthy(value);
                node.Action = include ? Action.Include : Action.Exclude;
                RequireMode(ref inclusionMode, include, name);
            }
            else if (!forAggregation && value is BsonDocument spec && spec.ElementCount == 1 && spec.GetElement(0).Name == "$slice")
            {
                node.Action = Action.Slice;
                ParseSlice(spec[0], node);
            }
            else if (!forAggregation && value is BsonDocument elemMatch && elemMatch.ElementCount == 1 && elemMatch.GetElement(0).Name == "$elemMatch")
            {
                if (name.Contains('.'))
                {
                    throw new MongoError(31275, "Location31275", "Cannot use $elemMatch projection on a nested field.");
                }

                if (elemMatch[0] is not BsonDocument elemQuery)
                {
                    throw MongoError.BadValue("elemMatch: Invalid argument, object required.");
                }

                node.Action = Action.ElemMatch;
                node.ElemMatch = Filter.Parse(new BsonDocument(name, new BsonDocument("$elemMatch", elemQuery)));
                RequireMode(ref inclusionMode, true, name);
            }
            else if (value is BsonDocument meta && meta.Contains("$meta"))
            {
                throw MongoError.BadValue($"$meta projection {meta["$meta"]} is not supported by the embedded server");
            }
            else
            {
                node.Action = Action.Computed;
                node.Computed = ExpressionParser.Parse(value);
                RequireMode(ref inclusionMode, true, name);
            }

            Insert(root, FilterParser.SplitPath(path), node, name);
        }

        // {_id: 1} alone is an inclusion of _id; a projection of only $slice (or only {_id: 0}) keeps every other field.
        bool inclusion = inclusionMode ?? idExplicitlyIncluded;
        return new Projection(root, inclusion, includeId);
    }

    /// <summary>{a: {b: 1}} is the nested spelling of {"a.b": 1}.</summary>
    private static IEnumerable<(string Name, BsonValue Value)> Flatten(BsonDocument projection, string prefix)
    {
        foreach (var element in projection)
        {
            string name = prefix + element.Name;
            if (element.Value is BsonDocument nested && nested.ElementCount > 0 && !nested.GetElement(0).Name.StartsWith('$'))
            {
                foreach (var inner in Flatten(nested, name + "."))
                {
                    yield return inner;
                }
            }
            else if (element.Value is BsonDocument { ElementCount: 0 })
            {
                throw new MongoError(51270, "Location51270", $"An empty sub-projection is not a valid value. Found empty object at path {name}");
            }
            else
            {
                yield return (name, element.Value);
            }
        }
    }

    private static void RequireMode(ref bool? mode, bool inclusion, string name)
    {
        if (mode is null)
        {
            mode = inclusion;
            return;
        }

        if (mode != inclusion)
        {
            throw inclusion
                ? new MongoError(31253, "Location31253", $"Cannot do inclusion on field {name} in exclusion projection")
                : new MongoError(31254, "Location31254", $"Cannot do exclusion on field {name} in inclusion projection");
        }
    }

    private static void ParseSlice(BsonValue spec, Node node)
    {
        if (BsonTypeNames.IsNumber(spec))
        {
            long n = (long)spec.ToDouble();
            n = Math.Clamp(n, int.MinValue, int.MaxValue);
            if (n >= 0)
            {
                node.SliceSkip = 0;
                node.SliceLimit = (int)n;
            }
            else
            {
                node.SliceSkip = (int)n;
                node.SliceLimit = null;
            }

            return;
        }

        if (spec is BsonArray { Count: 2 } pair && BsonTypeNames.IsNumber(pair[0]) && BsonTypeNames.IsNumber(pair[1]))
        {
            long limit = (long)pair[1].ToDouble();
            if (limit <= 0)
            {
                throw new MongoError(28724, "Location28724", "First argument to $slice must be an array, and the second must be a positive number");
            }

            node.SliceSkip = (int)Math.Clamp((long)pair[0].ToDouble(), int.MinValue, int.MaxValue);
            node.SliceLimit = (int)Math.Min(limit, int.MaxValue);
            return;
        }

        throw new MongoError(28667, "Location28667", "Invalid $slice syntax: expected a number or an array of two numbers");
    }

    private static void Insert(Node root, string[] path, Node leaf, string fullName)
    {
        var current = root;
        for (int i = 0; i < path.Length; i++)
        {
            var existing = current.Find(path[i]);
            if (i == path.Length - 1)
            {
                if (existing is not null)
                {
                    throw new MongoError(31250, "Location31250", $"Path collision at {fullName}");
                }

                current.Children.Add((path[i], leaf));
                return;
            }

            if (existing is null)
            {
                existing = new Node();
                current.Children.Add((path[i], existing));
            }
            else if (existing.Action != Action.Subtree)
            {
                throw new MongoError(31250, "Location31250", $"Path collision at {fullName} remaining portion {string.Join('.', path[(i + 1)..])}");
            }

            current = existing;
        }
    }

    /// <param name="positionalIndex">The index reported by <see cref="Filter.Matches(BsonDocument, out int?)"/> for "a.$".</param>
    public BsonDocument Apply(BsonDocument document, int? positionalIndex = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var context = new EvaluationContext(document);
        BsonDocument result;
        if (inclusion)
        {
            result = ProjectInclusion(document, root, positionalIndex, context, isRoot: true);
        }
        else
        {
            result = ProjectExclusion(document, root, positionalIndex);
            if (!includeId)
            {
                result.Remove("_id");
            }
        }

        return result;
    }

    private BsonDocument ProjectInclusion(BsonDocument source, Node node, int? positionalIndex, EvaluationContext context, bool isRoot)
    {
        var result = new BsonDocument();
        foreach (var element in source)
        {
            if (isRoot && element.Name == "_id" && node.Find("_id") is null)
            {
                if (includeId)
                {
                    result.Add("_id", element.Value.DeepClone());
                }

                continue;
            }

            var child = node.Find(element.Name);
            if (child is null || child.Action == Action.Computed)
            {
                continue;
            }

            var projected = ProjectValueInclusion(element.Name, element.Value, child, positionalIndex, context);
            if (projected is not null)
            {
                result.Add(element.Name, projected);
            }
        }

        // Computed fields come after the fields copied from the document, in the order the projection lists them.
        foreach (var (name, child) in node.Children)
        {
            if (child.Action == Action.Computed)
            {
                var value = child.Computed!.Evaluate(context);
                if (value is not null)
                {
                    result[name] = value;
                }
            }
            else if (child.Action == Action.Subtree && HasComputed(child) && !result.Contains(name))
            {
                var nested = ProjectInclusion([], child, positionalIndex, context, isRoot: false);
                if (nested.ElementCount > 0)
                {
                    result[name] = nested;
                }
            }
        }

        return result;
    }

    private static bool HasComputed(Node node) =>
        node.Children.Exists(c => c.Child.Action == Action.Computed || (c.Child.Action == Action.Subtree && HasComputed(c.Child)));

    private BsonValue? ProjectValueInclusion(string name, BsonValue value, Node node, int? positionalIndex, EvaluationContext context)
    {
        switch (node.Action)
        {
            case Action.Include:
                return value.DeepClone();
            case Action.Slice:
                return value is BsonArray sliced ? Slice(sliced, node) : value.DeepClone();
            case Action.Positional:
                return ApplyPositional(value, positionalIndex);
            case Action.ElemMatch:
                return ApplyElemMatch(name, value, node);
            case Action.Subtree:
                if (value is BsonDocument document)
                {
                    return ProjectInclusion(document, node, positionalIndex, context, isRoot: false);
                }

                if (value is BsonArray array)
                {
                    var projected = new BsonArray();
                    foreach (var item in array)
                    {
                        if (item is BsonDocument or BsonArray)
                        {
                            var inner = ProjectValueInclusion(name, item, node, positionalIndex, context);
                            if (inner is not null)
                            {
                                projected.Add(inner);
                            }
                        }
                    }

                    return projected;
                }

                return null;
            default:
                return null;
        }
    }

    private BsonDocument ProjectExclusion(BsonDocument source, Node node, int? positionalIndex)
    {
        var result = new BsonDocument();
        foreach (var element in source)
        {
            var child = node.Find(element.Name);
            if (child is null)
            {
                result.Add(element.Name, element.Value.DeepClone());
                continue;
            }

            var projected = ProjectValueExclusion(element.Name, element.Value, child, positionalIndex);
            if (projected is not null)
            {
                result.Add(element.Name, projected);
            }
        }

        return result;
    }

    private BsonValue? ProjectValueExclusion(string name, BsonValue value, Node node, int? positionalIndex)
    {
        switch (node.Action)
        {
            case Action.Exclude:
                return null;
            case Action.Slice:
                return value is BsonArray sliced ? Slice(sliced, node) : value.DeepClone();
            case Action.ElemMatch:
                return ApplyElemMatch(name, value, node);
            case Action.Subtree:
                if (value is BsonDocument document)
                {
                    return ProjectExclusion(document, node, positionalIndex);
                }

                if (value is BsonArray array)
                {
                    var projected = new BsonArray();
                    foreach (var item in array)
                    {
                        projected.Add(item is BsonDocument or BsonArray ? ProjectValueExclusion(name, item, node, positionalIndex) ?? BsonNull.Value : item.DeepClone());
                    }

                    return projected;
                }

                return value.DeepClone();
            default:
                return value.DeepClone();
        }
    }

    private static BsonArray Slice(BsonArray array, Node node)
    {
        int start = node.SliceSkip < 0 ? Math.Max(0, array.Count + node.SliceSkip) : Math.Min(node.SliceSkip, array.Count);
        int count = node.SliceLimit is { } limit ? Math.Min(limit, array.Count - start) : array.Count - start;
        var result = new BsonArray(Math.Max(count, 0));
        for (int i = start; i < start + count; i++)
        {
            result.Add(array[i].DeepClone());
        }

        return result;
    }

    private static BsonValue ApplyPositional(BsonValue value, int? positionalIndex)
    {
        if (value is not BsonArray array)
        {
            return value.DeepClone();
        }

        if (positionalIndex is not { } index || index >= array.Count)
        {
            throw new MongoError(51246, "Location51246", "positional operator '.$' couldn't find a matching element in the array");
        }

        return new BsonArray { array[index].DeepClone() };
    }

    private static BsonValue? ApplyElemMatch(string name, BsonValue value, Node node)
    {
        if (value is not BsonArray array)
        {
            return null;
        }

        foreach (var item in array)
        {
            if (node.ElemMatch!.Matches(new BsonDocument(name, new BsonArray { item })))
            {
                return new BsonArray { item.DeepClone() };
            }
        }

        return null;
    }
}
