using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>A parsed update: a replacement document, an operator document ($set, $inc, ...) or an aggregation pipeline (optional).</summary>
public sealed class UpdateEngine
{
    private readonly BsonDocument? replacement;
    private readonly UpdateOperation[] operations;
    private readonly Pipeline? pipeline;

    private UpdateEngine(BsonDocument? replacement, UpdateOperation[] operations, Pipeline? pipeline)
    {
        this.replacement = replacement;
        this.operations = operations;
        this.pipeline = pipeline;
    }

    /// <summary>Parses and validates an update; throws <see cref="MongoError"/> with MongoDB's code on bad input (e.g. 9 FailedToParse for an unknown operator, 40 ConflictingUpdateOperators).</summary>
    public static UpdateEngine Parse(BsonValue update, BsonArray? arrayFilters = null)
    {
        ArgumentNullException.ThrowIfNull(update);
        switch (update)
        {
            case BsonArray stages:
                if (arrayFilters is { Count: > 0 })
                {
                    throw new MongoError(72, "InvalidOptions", "arrayFilters may not be specified for pipeline-style updates");
                }

                return new UpdateEngine(null, [], Pipeline.ParseForUpdate(stages));
            case BsonDocument document when document.ElementCount > 0 && document.GetElement(0).Name.StartsWith('$'):
                return new UpdateEngine(null, UpdateParser.ParseOperators(document, ArrayFilterSet.Parse(arrayFilters)), null);
            case BsonDocument document:
                if (arrayFilters is { Count: > 0 })
                {
                    throw MongoError.FailedToParse("arrayFilters may not be specified for a replacement-style update");
                }

                foreach (var element in document)
                {
                    if (element.Name.StartsWith('$'))
                    {
                        throw MongoError.FailedToParse($"Unknown modifier: {element.Name}. Expected a valid update modifier or pipeline-style update specified as an array");
                    }
                }

                return new UpdateEngine(document, [], null);
            default:
                throw MongoError.FailedToParse($"Update argument must be either an object or an array, not {BsonTypeNames.NameOf(update.BsonType)}");
        }
    }

    public bool IsReplacement => replacement is not null;

    /// <summary>The paths an operator update names (as written, "$" placeholders included); null for a pipeline or replacement.</summary>
    public IReadOnlyList<string[]>? OperatorPaths => replacement is null && pipeline is null ? operations.Select(o => o.Parts).ToList() : null;

    /// <summary>
    /// Applies the update to <paramref name="original"/>. <paramref name="positionalIndex"/> comes from the filter for "$";
    /// <paramref name="isUpsertInsert"/> enables $setOnInsert. _id may not change (code 66 ImmutableField).
    /// </summary>
    public UpdateOutcome Apply(BsonDocument original, int? positionalIndex = null, bool isUpsertInsert = false)
    {
        ArgumentNullException.ThrowIfNull(original);
        BsonDocument result;
        if (replacement is not null)
        {
            result = ApplyReplacement(original);
        }
        else if (pipeline is not null)
        {
            result = pipeline.ExecuteForUpdate(original);
            // A pipeline that drops _id (e.g. $replaceWith a new document) keeps the original one, first, as MongoDB does.
            if (!result.Contains("_id") && original.TryGetValue("_id", out var keptId))
            {
                result = new BsonDocument("_id", keptId).AddRange(result);
            }
        }
        else
        {
            result = original.DeepClone().AsBsonDocument;
            var context = new UpdateContext(result, positionalIndex, isUpsertInsert);
            foreach (var operation in operations)
            {
                operation.Apply(context);
            }
        }

        CheckIdUnchanged(original, result);
        return new UpdateOutcome(result, !BsonOrder.Identical(original, result));
    }

    private BsonDocument ApplyReplacement(BsonDocument original)
    {
        var result = new BsonDocument();
        if (original.TryGetValue("_id", out var id))
        {
            if (replacement!.TryGetValue("_id", out var newId) && !BsonOrder.ValuesEqual(id, newId))
            {
                throw ImmutableId(original);
            }

            result.Add("_id", id.DeepClone());
        }
        else if (replacement!.TryGetValue("_id", out var newId))
        {
            result.Add("_id", newId.DeepClone());
        }

        foreach (var element in replacement)
        {
            if (element.Name != "_id")
            {
                result[element.Name] = element.Value.DeepClone();
            }
        }

        return result;
    }

    private static void CheckIdUnchanged(BsonDocument original, BsonDocument result)
    {
        if (!original.TryGetValue("_id", out var id))
        {
            return;
        }

        if (!result.TryGetValue("_id", out var newId) || !BsonOrder.Identical(id, newId))
        {
            throw ImmutableId(original);
        }
    }

    private static MongoError ImmutableId(BsonDocument original) =>
        new(66, "ImmutableField", $"Performing an update on the path '_id' would modify the immutable field '_id' (document _id: {original.GetValue("_id", BsonNull.Value)})");

    /// <summary>The document an upsert starts from: the filter's equality paths (and _id), before the update is applied.</summary>
    public static BsonDocument UpsertSeed(Filter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var seed = new BsonDocument();
        if (filter.SeedPaths.TryGetValue("_id", out var id))
        {
            seed.Add("_id", id.DeepClone());
        }

        foreach (var (path, value) in filter.SeedPaths)
        {
            if (path == "_id")
            {
                continue;
            }

            var parts = path.Split('.');

            // {a: 1, "a.b": 2} cannot both seed: the first that fits wins, as the update will decide the rest.
            if (UpdatePaths.Get(seed, parts) is null && UpdatePaths.TryGetParentForWrite(seed, parts, out var parent))
            {
                UpdatePaths.SetChild(parent, parts[^1], value.DeepClone());
            }
        }

        return seed;
    }
}

/// <summary>The outcome of applying one update to one document.</summary>
/// <param name="Document">The new document (a fresh instance; the input is never mutated).</param>
/// <param name="Modified">False when the update was a no-op (e.g. $set to the same value): MongoDB then counts nModified 0 and emits no change event.</param>
public sealed record UpdateOutcome(BsonDocument Document, bool Modified);
