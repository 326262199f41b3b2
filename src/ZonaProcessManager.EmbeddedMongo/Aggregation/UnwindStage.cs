using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

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
