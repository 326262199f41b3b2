using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

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
                    pipeline = Pipeline.ParseWithoutOutput(option.Value as BsonArray ?? throw new MongoError(4570, "Location4570", "lookup argument 'pipeline' must be an array"),
                        51047, "a $lookup's sub-pipeline");
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
