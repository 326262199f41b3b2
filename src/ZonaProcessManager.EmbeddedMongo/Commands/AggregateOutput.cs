using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.Query;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// Writes an aggregate's results with its $out or $merge through the store's write path: validators, unique indexes,
/// change events and durability are those of ordinary inserts and updates.
/// </summary>
public static class AggregateOutput
{
    public static void Write(CommandContext context, OutputStage output, IReadOnlyList<BsonDocument> results)
    {
        if (context.Transaction is not null)
        {
            throw new MongoError(263, "OperationNotSupportedInTransaction", $"{output.StageName} cannot be used in a transaction");
        }

        var database = output.Database ?? context.Database;
        var bypass = context.Flag("bypassDocumentValidation");
        switch (output)
        {
            case OutStage:
                WriteOut(context, database, output.Collection, results, bypass);
                break;
            case MergeStage merge:
                WriteMerge(context, merge, database, results, bypass);
                break;
        }
    }

    /// <summary>
    /// $out, as MongoDB does it: the results fill a temporary collection with the target's options and indexes, which then
    /// replaces the target in one rename. All or nothing: a duplicate key or a validator refusal leaves the target as it was.
    /// </summary>
    private static void WriteOut(CommandContext context, string database, string collection, IReadOnlyList<BsonDocument> results, bool bypass)
    {
        context.Store.Write(write =>
        {
            var target = write.Catalog.Find(database, collection);
            if (target is { IsView: true })
            {
                throw MongoError.NotSupportedOnView(target.Namespace);
            }

            var temporaryName = $"tmp.agg_out.{Guid.NewGuid():N}";
            write.CreateCollection(database, temporaryName, (BsonDocument?)target?.Options.DeepClone() ?? []);
            foreach (var index in target?.Indexes.Where(i => !i.IsIdIndex) ?? [])
            {
                write.CreateIndex(write.Catalog.Find(database, temporaryName)!, (BsonDocument)index.Spec.DeepClone());
            }

            var temporary = write.Catalog.Find(database, temporaryName)!;
            foreach (var document in results)
            {
                write.Insert(temporary, document, bypass);
            }

            write.Rename(temporary, database, collection, dropTarget: target is not null);
            return 0;
        });
    }

    /// <summary>
    /// $merge: each result is written on its own, in order; as on MongoDB, results written before a failing one stay
    /// written and the command answers the failure's error (11000 DuplicateKey, 13113, 121...).
    /// </summary>
    private static void WriteMerge(CommandContext context, MergeStage merge, string database, IReadOnlyList<BsonDocument> results, bool bypass)
    {
        var variables = context.Variables();
        MongoError? failure = null;
        context.Store.Write(write =>
        {
            var target = write.Catalog.Find(database, merge.Collection);
            if (target is { IsView: true })
            {
                throw MongoError.NotSupportedOnView(target.Namespace);
            }

            if (merge.On is not ["_id"])
            {
                RequireUniqueIndex(target, merge.On);
            }

            foreach (var result in results)
            {
                try
                {
                    target = write.Atomically(() => MergeOne(write, merge, database, target, result, bypass, variables));
                }
                catch (MongoError error)
                {
                    failure = error;
                    break;
                }
            }

            return 0;
        });
        if (failure is not null)
        {
            throw failure;
        }
    }

    private static CollectionMeta? MergeOne(WriteScope write, MergeStage merge, string database, CollectionMeta? target, BsonDocument result, bool bypass,
        IReadOnlyDictionary<string, BsonValue>? commandVariables)
    {
        var key = new BsonDocument();
        foreach (var field in merge.On)
        {
            key[field] = new BsonDocument("$eq", OnValue(result, field));
        }

        if (merge.Matched == WhenMatched.Fail)
        {
            // MongoDB inserts: a document that matches one already there fails on the unique index, 11000 DuplicateKey.
            target ??= write.EnsureCollection(database, merge.Collection);
            write.Insert(target, result, bypass);
            return target;
        }

        var match = target is null ? null : write.Find(target, Filter.Parse(key), 1).FirstOrDefault();
        if (match is null)
        {
            switch (merge.NotMatched)
            {
                case WhenNotMatched.Insert:
                    target ??= write.EnsureCollection(database, merge.Collection);
                    write.Insert(target, result, bypass);
                    break;
                case WhenNotMatched.Fail:
                    throw new MongoError(13113, "MergeStageNoMatchingDocument",
                        "$merge could not find a matching document in the target collection for at least one document in the source collection");
            }

            return target;
        }

        BsonDocument updated;
        switch (merge.Matched)
        {
            case WhenMatched.KeepExisting:
                return target;
            case WhenMatched.Replace:
                updated = result;
                break;
            case WhenMatched.Merge:
                updated = (BsonDocument)match.Document.DeepClone();
                foreach (var element in result)
                {
                    updated[element.Name] = element.Value;
                }

                break;
            default:
                updated = ApplyPipeline(merge, match.Document, result, commandVariables);
                break;
        }

        // An update that changes nothing writes nothing and reports no change event, as on MongoDB.
        if (!updated.Equals(match.Document))
        {
            write.Update(target!, match, updated, isReplacement: merge.Matched == WhenMatched.Replace, bypass);
        }

        return target;
    }

    /// <summary>whenMatched as a pipeline: it sees the result as $$new, the $merge let variables and the command's own.</summary>
    private static BsonDocument ApplyPipeline(MergeStage merge, BsonDocument existing, BsonDocument result, IReadOnlyDictionary<string, BsonValue>? commandVariables)
    {
        var variables = commandVariables is null ? new Dictionary<string, BsonValue>(StringComparer.Ordinal) : new Dictionary<string, BsonValue>(commandVariables, StringComparer.Ordinal);
        variables["new"] = result;
        if (merge.Let is { } let)
        {
            var context = new EvaluationContext(result);
            foreach (var element in let)
            {
                variables[element.Name] = ExpressionParser.Parse(element.Value).Evaluate(context) ?? BsonNull.Value;
            }
        }

        using var scope = CommandVariables.Use(variables);
        return merge.UpdatePipeline!.ExecuteForUpdate(existing);
    }

    /// <summary>The value of an 'on' field, which must be there, not null and not an array (51132, 51185 as MongoDB).</summary>
    private static BsonValue OnValue(BsonDocument document, string field)
    {
        BsonValue current = document;
        foreach (var part in field.Split('.'))
        {
            if (current is not BsonDocument parent || !parent.TryGetValue(part, out current!) || current.IsBsonNull || current.IsBsonUndefined)
            {
                throw MongoError.Location(51132, $"$merge write error: 'on' field '{field}' cannot be missing, null, undefined or an array");
            }
        }

        return current is BsonArray
            ? throw MongoError.Location(51185, $"$merge write error: 'on' field '{field}' from the document is an array")
            : current;
    }

    /// <summary>'on' fields other than _id must be those of a unique, non-partial index of the target (51183 otherwise).</summary>
    private static void RequireUniqueIndex(CollectionMeta? target, IReadOnlyList<string> on)
    {
        var wanted = on.ToHashSet(StringComparer.Ordinal);
        var supported = target is not null && target.Indexes.Any(index =>
            index.Unique && index.PartialFilter is null && !index.Spec.Contains("collation") && index.Fields.Count == wanted.Count && index.Fields.All(wanted.Contains));
        if (!supported)
        {
            throw MongoError.Location(51183, "Cannot find index to verify that join fields will be unique");
        }
    }
}
