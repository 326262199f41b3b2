using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal abstract class Stage
{
    public abstract IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source);
}

internal static class StageParser
{
    public static Stage Parse(BsonValue stage)
    {
        if (stage is not BsonDocument document || document.ElementCount != 1)
        {
            throw new MongoError(40323, "Location40323", "A pipeline stage specification object must contain exactly one field.");
        }

        var element = document.GetElement(0);
        var spec = element.Value;
        return element.Name switch
        {
            "$match" => new MatchStage(Filter.Parse(RequireDocument(spec, "$match", 15959, "the match filter must be an expression in an object"))),
            "$project" => new ProjectStage(Projection.ParseForAggregation(RequireDocument(spec, "$project", 15969, "$project specification must be an object"))),
            "$addFields" or "$set" => new AddFieldsStage(RequireDocument(spec, element.Name, 40272, $"{element.Name} specification stage must be an object")),
            "$unset" => new ProjectStage(ParseUnset(spec)),
            "$sort" => new SortStage(SortSpec.Parse(RequireDocument(spec, "$sort", 15973, "the $sort key specification must be an object"))),
            "$skip" => new SkipStage(RequireCount(spec, "$skip", 15972, 15956, allowZero: true)),
            "$limit" => new LimitStage(RequireCount(spec, "$limit", 15957, 15958, allowZero: false)),
            "$count" => new CountStage(ParseCountName(spec)),
            "$group" => GroupStage.Parse(RequireDocument(spec, "$group", 15947, "a group's fields must be specified in an object")),
            "$unwind" => UnwindStage.Parse(spec),
            "$lookup" => LookupStage.Parse(RequireDocument(spec, "$lookup", 40319, "the $lookup specification must be an Object")),
            "$replaceRoot" => new ReplaceRootStage(ExpressionParser.Parse(RequireDocument(spec, "$replaceRoot", 40228, "$replaceRoot specification must be an object")
                .GetValue("newRoot", null) ?? throw new MongoError(40231, "Location40231", "no newRoot specified for the $replaceRoot stage"))),
            "$replaceWith" => new ReplaceRootStage(ExpressionParser.Parse(spec)),
            "$sortByCount" => SortByCount(spec),
            "$facet" => FacetStage.Parse(RequireDocument(spec, "$facet", 15947, "the $facet specification must be a non-empty object")),
            "$out" or "$merge" or "$geoNear" or "$graphLookup" or "$search" or "$densify" or "$fill" or "$setWindowFields" or "$bucket" or "$bucketAuto"
                or "$sample" or "$redact" or "$collStats" or "$indexStats" or "$currentOp" or "$listSessions" or "$unionWith" =>
                throw MongoError.BadValue($"The pipeline stage {element.Name} is not supported by the embedded server"),
            _ => throw new MongoError(40324, "Location40324", $"Unrecognized pipeline stage name: '{element.Name}'"),
        };
    }

    private static BsonDocument RequireDocument(BsonValue value, string stage, int code, string message) =>
        value as BsonDocument ?? throw new MongoError(code, $"Location{code}", message);

    private static long RequireCount(BsonValue value, string stage, int typeCode, int rangeCode, bool allowZero)
    {
        if (!BsonTypeNames.IsNumber(value) || value.ToDouble() != Math.Truncate(value.ToDouble()))
        {
            throw new MongoError(typeCode, $"Location{typeCode}", $"invalid argument to {stage} stage: Expected an integer: {stage}: {value}");
        }

        long count = (long)value.ToDouble();
        if (count < 0 || (!allowZero && count == 0))
        {
            throw new MongoError(rangeCode, $"Location{rangeCode}", stage == "$limit" ? "the limit must be positive" : $"invalid argument to $skip stage: Expected a non-negative number in: $skip: {count}");
        }

        return count;
    }

    private static string ParseCountName(BsonValue spec)
    {
        if (spec is not BsonString name)
        {
            throw new MongoError(40156, "Location40156", "the count field must be a non-empty string");
        }

        if (name.Value.Length == 0)
        {
            throw new MongoError(40157, "Location40157", "the count field must be a non-empty string");
        }

        if (name.Value.StartsWith('$'))
        {
            throw new MongoError(40158, "Location40158", "the count field cannot be a $-prefixed path");
        }

        if (name.Value.Contains('.'))
        {
            throw new MongoError(40160, "Location40160", "the count field cannot contain '.'");
        }

        return name.Value;
    }

    private static Projection ParseUnset(BsonValue spec)
    {
        var fields = spec switch
        {
            BsonString single => [single],
            BsonArray { Count: > 0 } array when array.All(v => v is BsonString) => array,
            _ => throw new MongoError(31002, "Location31002", "$unset specification must be a string or an array containing only string values"),
        };
        var projection = new BsonDocument();
        foreach (var field in fields)
        {
            projection[field.AsString] = 0;
        }

        return Projection.ParseForAggregation(projection);
    }

    private static Stage SortByCount(BsonValue spec)
    {
        if (!(spec is BsonString s && s.Value.StartsWith('$')) && spec is not BsonDocument)
        {
            throw new MongoError(40148, "Location40148", "the sortByCount field must be defined as a $-prefixed path or an expression");
        }

        var group = GroupStage.Parse(new BsonDocument { { "_id", spec }, { "count", new BsonDocument("$sum", 1) } });
        return new ChainStage(group, new SortStage(SortSpec.Parse(new BsonDocument("count", -1))));
    }
}

internal sealed class ChainStage(params Stage[] stages) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        foreach (var stage in stages)
        {
            input = stage.Execute(input, source);
        }

        return input;
    }
}

internal sealed class MatchStage(Filter filter) : Stage
{
    public Filter Filter { get; } = filter;

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source) => input.Where(Filter.Matches);
}

internal sealed class ProjectStage(Projection projection) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source) =>
        input.Select(document => projection.Apply(document));
}

internal sealed class AddFieldsStage : Stage
{
    private readonly List<(string[] Path, Expression Value)> fields = [];

    public AddFieldsStage(BsonDocument spec)
    {
        Flatten(spec, []);
    }

    /// <summary>{a: {b: 1}} adds a.b and keeps a's other fields, so nested plain documents become dotted paths.</summary>
    private void Flatten(BsonDocument spec, string[] prefix)
    {
        foreach (var element in spec)
        {
            var path = prefix.Concat(FilterParser.SplitPath(element.Name)).ToArray();
            if (element.Name.StartsWith('$'))
            {
                throw new MongoError(16410, "Location16410", $"FieldPath field names may not start with '$'. Consider using $getField or $setField. Got: '{element.Name}'");
            }

            if (element.Value is BsonDocument nested && nested.ElementCount > 0 && !FilterParser.IsOperatorDocument(nested))
            {
                Flatten(nested, path);
            }
            else
            {
                fields.Add((path, ExpressionParser.Parse(element.Value)));
            }
        }
    }

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        foreach (var document in input)
        {
            var context = new EvaluationContext(document);
            var result = document.DeepClone().AsBsonDocument;
            foreach (var (path, expression) in fields)
            {
                var value = expression.Evaluate(context);
                SetPath(result, path, 0, value);
            }

            yield return result;
        }
    }

    private static void SetPath(BsonDocument target, string[] path, int depth, BsonValue? value)
    {
        string name = path[depth];
        if (depth == path.Length - 1)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else
            {
                target[name] = value.DeepClone();
            }

            return;
        }

        if (target.TryGetValue(name, out var existing) && existing is BsonArray array)
        {
            // Setting a.b over an array of documents sets b in each of them, as MongoDB does.
            for (int i = 0; i < array.Count; i++)
            {
                var element = array[i] as BsonDocument ?? [];
                SetPath(element, path, depth + 1, value);
                array[i] = element;
            }

            return;
        }

        if (existing is not BsonDocument child)
        {
            child = [];
            target[name] = child;
        }

        SetPath(child, path, depth + 1, value);
    }
}

internal sealed class SortStage(SortSpec sort) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source) => sort.Sort(input);
}

internal sealed class SkipStage(long count) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source) =>
        input.Skip((int)Math.Min(count, int.MaxValue));
}

internal sealed class LimitStage(long count) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source) =>
        input.Take((int)Math.Min(count, int.MaxValue));
}

internal sealed class CountStage(string field) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        long count = input.LongCount();
        if (count > 0)
        {
            yield return new BsonDocument(field, count <= int.MaxValue ? new BsonInt32((int)count) : new BsonInt64(count));
        }
    }
}

internal sealed class ReplaceRootStage(Expression newRoot) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        foreach (var document in input)
        {
            var value = newRoot.Evaluate(new EvaluationContext(document));
            if (value is not BsonDocument replacement)
            {
                throw new MongoError(40228, "Location40228",
                    $"'replacement document' must evaluate to an object, but resulting value was: {(value is null ? "MISSING" : value.ToString())}. Type of resulting value: '{(value is null ? "missing" : BsonTypeNames.NameOf(value.BsonType))}'. Input document: {document}");
            }

            yield return replacement.DeepClone().AsBsonDocument;
        }
    }
}

internal sealed class UnwindStage(string[] path, string? indexField, bool preserveNullAndEmpty) : Stage
{
    public static UnwindStage Parse(BsonValue spec)
    {
        string pathText;
        string? indexField = null;
        bool preserve = false;
        if (spec is BsonString s)
        {
            pathText = s.Value;
        }
        else if (spec is BsonDocument document)
        {
            if (!document.TryGetValue("path", out var pathValue) || pathValue is not BsonString pathString)
            {
                throw new MongoError(28812, "Location28812", "no path specified to $unwind stage");
            }

            pathText = pathString.Value;
            foreach (var option in document)
            {
                switch (option.Name)
                {
                    case "path":
                        break;
                    case "includeArrayIndex":
                        if (option.Value is not BsonString { Value.Length: > 0 } index || index.Value.StartsWith('$'))
                        {
                            throw new MongoError(28810, "Location28810", "expected a non-empty string for the includeArrayIndex option to $unwind stage");
                        }

                        indexField = index.Value;
                        break;
                    case "preserveNullAndEmptyArrays":
                        if (option.Value is not BsonBoolean flag)
                        {
                            throw new MongoError(28809, "Location28809", "expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage");
                        }

                        preserve = flag.Value;
                        break;
                    default:
                        throw new MongoError(28811, "Location28811", $"unrecognized option to $unwind stage: {option.Name}");
                }
            }
        }
        else
        {
            throw new MongoError(15981, "Location15981", $"expected either a string or an object as specification for $unwind stage, got {BsonTypeNames.NameOf(spec.BsonType)}");
        }

        if (!pathText.StartsWith('$') || pathText.Length < 2)
        {
            throw new MongoError(28818, "Location28818", $"path option to $unwind stage should be prefixed with a '$': {pathText}");
        }

        return new UnwindStage(FilterParser.SplitPath(pathText[1..]), indexField, preserve);
    }

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        foreach (var document in input)
        {
            var value = UpdatePaths.Get(document, path);
            if (value is BsonArray array && array.Count > 0)
            {
                for (int i = 0; i < array.Count; i++)
                {
                    var copy = document.DeepClone().AsBsonDocument;
                    UpdatePaths.TryGetParentForWrite(copy, path, out var parent);
                    UpdatePaths.SetChild(parent, path[^1], array[i].DeepClone());
                    if (indexField is not null)
                    {
                        copy[indexField] = new BsonInt64(i);
                    }

                    yield return copy;
                }
            }
            else if (value is not null && value is not BsonArray && !value.IsBsonNull)
            {
                // A non-array value unwinds as if it were a one-element array.
                var copy = document.DeepClone().AsBsonDocument;
                if (indexField is not null)
                {
                    copy[indexField] = BsonNull.Value;
                }

                yield return copy;
            }
            else if (preserveNullAndEmpty)
            {
                var copy = document.DeepClone().AsBsonDocument;
                if (value is BsonArray)
                {
                    var parent = UpdatePaths.Get(copy, path, path.Length - 1);
                    if (parent is not null)
                    {
                        UpdatePaths.RemoveChild(parent, path[^1]);
                    }
                }

                if (indexField is not null)
                {
                    copy[indexField] = BsonNull.Value;
                }

                yield return copy;
            }
        }
    }
}

internal sealed class LookupStage(string from, string? localField, string? foreignField, string asField, Pipeline? pipeline) : Stage
{
    public static LookupStage Parse(BsonDocument spec)
    {
        string? from = null, localField = null, foreignField = null, asField = null;
        Pipeline? pipeline = null;
        foreach (var option in spec)
        {
            switch (option.Name)
            {
                case "from":
                    from = option.Value as BsonString is { } f ? f.Value : throw new MongoError(40321, "Location40321", "lookup argument 'from' must be a string");
                    break;
                case "localField":
                    localField = option.Value as BsonString is { } l ? l.Value : throw new MongoError(4570, "Location4570", "lookup argument 'localField' must be a string");
                    break;
                case "foreignField":
                    foreignField = option.Value as BsonString is { } ff ? ff.Value : throw new MongoError(4570, "Location4570", "lookup argument 'foreignField' must be a string");
                    break;
                case "as":
                    asField = option.Value as BsonString is { } a ? a.Value : throw new MongoError(4570, "Location4570", "lookup argument 'as' must be a string");
                    break;
                case "pipeline":
                    pipeline = Pipeline.Parse(option.Value as BsonArray ?? throw new MongoError(4570, "Location4570", "lookup argument 'pipeline' must be an array"));
                    break;
                case "let":
                    throw MongoError.BadValue("$lookup with 'let' variables is not supported by the embedded server; use localField/foreignField");
                default:
                    throw new MongoError(9, "FailedToParse", $"unknown argument to $lookup: {option.Name}");
            }
        }

        if (from is null || asField is null)
        {
            throw new MongoError(9, "FailedToParse", "missing 'from' or 'as' option to $lookup stage specification");
        }

        if ((localField is null) != (foreignField is null))
        {
            throw new MongoError(9, "FailedToParse", "$lookup requires both or neither of 'localField' and 'foreignField' to be specified");
        }

        if (localField is null && pipeline is null)
        {
            throw new MongoError(9, "FailedToParse", "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified");
        }

        return new LookupStage(from, localField, foreignField, asField, pipeline);
    }

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        List<BsonDocument>? foreign = null;
        var localPath = localField is null ? null : FilterParser.SplitPath(localField);
        foreach (var document in input)
        {
            foreign ??= source.ReadCollection(from).ToList();
            IEnumerable<BsonDocument> matches = foreign;
            if (localPath is not null)
            {
                var locals = new BsonArray();
                CollectValues(document, localPath, 0, locals);
                var condition = locals.Count == 0
                    ? new BsonDocument(foreignField!, BsonNull.Value)
                    : new BsonDocument(foreignField!, new BsonDocument("$in", locals));
                var filter = Filter.Parse(condition);
                matches = foreign.Where(filter.Matches);
            }

            if (pipeline is not null)
            {
                matches = pipeline.Execute(matches, source);
            }

            var result = document.DeepClone().AsBsonDocument;
            var joined = new BsonArray(matches.Select(m => m.DeepClone()));
            var asPath = FilterParser.SplitPath(asField);
            UpdatePaths.TryGetParentForWrite(result, asPath, out var parent, throwIfNotViable: true);
            UpdatePaths.SetChild(parent, asPath[^1], joined);
            yield return result;
        }
    }

    /// <summary>The local values to join on: an array contributes its elements; missing contributes null.</summary>
    private static void CollectValues(BsonValue current, string[] path, int depth, BsonArray into)
    {
        if (depth == path.Length)
        {
            if (current is BsonArray array)
            {
                foreach (var item in array)
                {
                    if (item is not BsonRegularExpression)
                    {
                        into.Add(item);
                    }
                }
            }
            else if (current is not BsonRegularExpression)
            {
                into.Add(current);
            }

            return;
        }

        switch (current)
        {
            case BsonDocument document:
                if (document.TryGetValue(path[depth], out var next))
                {
                    CollectValues(next, path, depth + 1, into);
                }
                else
                {
                    into.Add(BsonNull.Value);
                }

                break;
            case BsonArray array:
                foreach (var item in array)
                {
                    CollectValues(item, path, depth, into);
                }

                break;
            default:
                into.Add(BsonNull.Value);
                break;
        }
    }
}

internal sealed class FacetStage(List<(string Name, Pipeline Pipeline)> facets) : Stage
{
    public static FacetStage Parse(BsonDocument spec)
    {
        if (spec.ElementCount == 0)
        {
            throw new MongoError(40169, "Location40169", "the $facet specification must be a non-empty object");
        }

        var facets = new List<(string, Pipeline)>();
        foreach (var facet in spec)
        {
            if (facet.Value is not BsonArray stages)
            {
                throw new MongoError(40170, "Location40170", $"arguments to $facet must be arrays, {facet.Name} is type {BsonTypeNames.NameOf(facet.Value.BsonType)}");
            }

            facets.Add((facet.Name, Pipeline.Parse(stages)));
        }

        return new FacetStage(facets);
    }

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        var documents = input.ToList();
        var result = new BsonDocument();
        foreach (var (name, pipeline) in facets)
        {
            result[name] = new BsonArray(pipeline.Execute(documents, source));
        }

        yield return result;
    }
}
