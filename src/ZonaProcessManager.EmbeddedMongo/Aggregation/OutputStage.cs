using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>
/// A pipeline's writing last stage, $out or $merge: parsed with the pipeline, carried out by the server (it writes
/// through the store). <see cref="Database"/> is null when the target is in the command's own database.
/// </summary>
public abstract record OutputStage(string? Database, string Collection)
{
    public abstract string StageName { get; }

    /// <summary>Refuses writing into MongoDB's internal databases and system collections, with the stage's codes.</summary>
    protected static void CheckTarget(string stage, string? database, string collection, int internalDatabaseCode, int systemCollectionCode)
    {
        if (collection.Length == 0 || (database is not null && database.Length == 0))
        {
            throw new MongoError(73, "InvalidNamespace", $"Invalid {stage} target namespace, '{database}.{collection}'");
        }

        if (database is "admin" or "config" or "local")
        {
            throw MongoError.Location(internalDatabaseCode, $"Cannot {stage} to internal database: {database}");
        }

        if (collection.StartsWith("system.", StringComparison.Ordinal))
        {
            throw MongoError.Location(systemCollectionCode, $"Cannot {stage} to special collection: {collection}");
        }
    }

    /// <summary>Reads {db, coll} or a collection name; the stage's own codes for wrong shapes.</summary>
    protected static string RequireString(BsonDocument spec, string stage, string field, int typeCode)
    {
        if (!spec.TryGetValue(field, out var value))
        {
            throw new MongoError(40414, "Location40414", $"BSON field '{stage}.{field}' is missing but a required field");
        }

        return value is BsonString text
            ? text.Value
            : throw MongoError.Location(typeCode, $"BSON field '{stage}.{field}' is the wrong type '{BsonTypeNames.NameOf(value.BsonType)}', expected type 'string'");
    }
}

/// <summary>$out: replaces the target collection with the pipeline's results, keeping its indexes and options.</summary>
public sealed record OutStage(string? Database, string Collection) : OutputStage(Database, Collection)
{
    public override string StageName => "$out";

    public static OutStage Parse(BsonValue spec)
    {
        OutStage stage;
        switch (spec)
        {
            case BsonString name:
                stage = new OutStage(null, name.Value);
                break;
            case BsonDocument document:
                foreach (var element in document)
                {
                    if (element.Name == "timeseries")
                    {
                        throw Commands.CommandOptions.NotImplemented("$out.timeseries");
                    }

                    if (element.Name is not ("db" or "coll"))
                    {
                        throw new MongoError(40415, "Location40415", $"BSON field '$out.{element.Name}' is an unknown field.");
                    }
                }

                stage = new OutStage(RequireString(document, "$out", "db", 13111), RequireString(document, "$out", "coll", 13111));
                break;
            default:
                throw MongoError.Location(16990, $"$out only supports a string or object argument, but found {BsonTypeNames.NameOf(spec.BsonType)}");
        }

        CheckTarget("$out", stage.Database, stage.Collection, 31321, 17385);
        return stage;
    }
}

public enum WhenMatched
{
    Replace,
    KeepExisting,
    Merge,
    Fail,
    Pipeline,
}

public enum WhenNotMatched
{
    Insert,
    Discard,
    Fail,
}

/// <summary>$merge: writes each result into the target, matched on the <see cref="On"/> fields, as its two modes say.</summary>
public sealed record MergeStage(string? Database, string Collection, IReadOnlyList<string> On, bool OnIsDefault, WhenMatched Matched, Pipeline? UpdatePipeline,
    BsonDocument? Let, WhenNotMatched NotMatched) : OutputStage(Database, Collection)
{
    private static readonly HashSet<string> Fields = ["into", "on", "let", "whenMatched", "whenNotMatched"];

    public override string StageName => "$merge";

    public static MergeStage Parse(BsonValue spec)
    {
        if (spec is BsonString name)
        {
            CheckTarget("$merge", null, name.Value, 31320, 31319);
            return new MergeStage(null, name.Value, ["_id"], true, WhenMatched.Merge, null, null, WhenNotMatched.Insert);
        }

        if (spec is not BsonDocument document)
        {
            throw MongoError.Location(51182, $"$merge only supports a string or object argument, but found {BsonTypeNames.NameOf(spec.BsonType)}");
        }

        foreach (var element in document)
        {
            if (!Fields.Contains(element.Name))
            {
                throw new MongoError(40415, "Location40415", $"BSON field '$merge.{element.Name}' is an unknown field.");
            }
        }

        string? database = null;
        string collection;
        switch (document.GetValue("into", null))
        {
            case null:
                throw new MongoError(40414, "Location40414", "BSON field '$merge.into' is missing but a required field");
            case BsonString into:
                collection = into.Value;
                break;
            case BsonDocument into:
                foreach (var element in into)
                {
                    if (element.Name is not ("db" or "coll"))
                    {
                        throw new MongoError(40415, "Location40415", $"BSON field '$merge.into.{element.Name}' is an unknown field.");
                    }
                }

                database = into.TryGetValue("db", out var db) ? db as BsonString is { } dbName ? dbName.Value : throw MongoError.Location(13111, "BSON field '$merge.into.db' must be a string") : null;
                collection = RequireString(into, "$merge.into", "coll", 13111);
                break;
            case var other:
                throw MongoError.Location(51178, $"$merge 'into' field must be either a string or an object, but found {BsonTypeNames.NameOf(other.BsonType)}");
        }

        CheckTarget("$merge", database, collection, 31320, 31319);
        var on = ParseOn(document.GetValue("on", null));
        var (matched, updatePipeline) = document.GetValue("whenMatched", "merge") switch
        {
            BsonString { Value: "replace" } => (WhenMatched.Replace, null),
            BsonString { Value: "keepExisting" } => (WhenMatched.KeepExisting, null),
            BsonString { Value: "merge" } => (WhenMatched.Merge, null),
            BsonString { Value: "fail" } => (WhenMatched.Fail, null),
            BsonString other => throw MongoError.BadValue($"Enumeration value '{other.Value}' for field 'whenMatched' is not a valid value."),
            BsonArray stages => (WhenMatched.Pipeline, Pipeline.ParseForUpdate(stages)),
            var other => throw MongoError.Location(51191, $"$merge 'whenMatched' field must be either a string or an array, but found {BsonTypeNames.NameOf(other.BsonType)}"),
        };
        var notMatched = document.GetValue("whenNotMatched", "insert") switch
        {
            BsonString { Value: "insert" } => WhenNotMatched.Insert,
            BsonString { Value: "discard" } => WhenNotMatched.Discard,
            BsonString { Value: "fail" } => WhenNotMatched.Fail,
            BsonString other => throw MongoError.BadValue($"Enumeration value '{other.Value}' for field 'whenNotMatched' is not a valid value."),
            var other => throw MongoError.TypeMismatch($"BSON field '$merge.whenNotMatched' is the wrong type '{BsonTypeNames.NameOf(other.BsonType)}', expected type 'string'"),
        };
        if (matched == WhenMatched.Fail && notMatched != WhenNotMatched.Insert)
        {
            throw MongoError.Location(51181, $"Combination of $merge modes 'whenMatched: fail' and 'whenNotMatched: {document["whenNotMatched"]}' is not supported");
        }

        BsonDocument? let = null;
        if (document.TryGetValue("let", out var letValue) && !letValue.IsBsonNull)
        {
            if (matched != WhenMatched.Pipeline)
            {
                throw MongoError.Location(51199, $"Cannot use 'let' variables with 'whenMatched: {document.GetValue("whenMatched", "merge")}' mode");
            }

            let = letValue as BsonDocument ?? throw MongoError.TypeMismatch($"BSON field '$merge.let' is the wrong type '{BsonTypeNames.NameOf(letValue.BsonType)}', expected type 'object'");
        }

        return new MergeStage(database, collection, on ?? ["_id"], on is null, matched, updatePipeline, let, notMatched);
    }

    private static List<string>? ParseOn(BsonValue? value)
    {
        switch (value)
        {
            case null:
                return null;
            case BsonString single:
                return [single.Value];
            case BsonArray { Count: 0 }:
                throw MongoError.Location(51187, "If explicitly specifying $merge 'on', must include at least one field");
            case BsonArray fields:
                var names = new List<string>();
                foreach (var field in fields)
                {
                    names.Add(field is BsonString text ? text.Value : throw MongoError.Location(51134, $"$merge 'on' array elements must be strings, but found {BsonTypeNames.NameOf(field.BsonType)}"));
                }

                return names;
            default:
                throw MongoError.Location(51186, $"$merge 'on' field must be either a string or an array of strings, but found {BsonTypeNames.NameOf(value.BsonType)}");
        }
    }
}
