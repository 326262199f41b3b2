using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// insert, update, delete. A batch runs in one SQLite transaction (one fsync) with one savepoint per statement, so a
/// failing statement is reported in writeErrors and leaves no trace while the others commit, as on MongoDB.
/// </summary>
public static class WriteCommands
{
    public static ValueTask<BsonDocument> Insert(CommandContext context)
    {
        var name = context.CollectionName;
        var documents = Statements(context, "documents");
        var ordered = context.Flag("ordered", true);
        var bypass = context.Flag("bypassDocumentValidation");
        var reply = context.WriteReply(bulk: documents.Count > 1, work: write =>
        {
            var collection = write.EnsureCollection(context.Database, name);
            var errors = new BsonArray();
            var inserted = 0;
            for (var i = 0; i < documents.Count; i++)
            {
                try
                {
                    if (documents[i] is not BsonDocument document)
                    {
                        throw MongoError.TypeMismatch("each document to insert must be an object");
                    }

                    var encoded = context.EncodedDocument("documents", i);
                    write.Atomically(() => write.Insert(collection, document, bypass, encoded));
                    inserted++;
                }
                catch (MongoError error)
                {
                    errors.Add(WriteError(i, error));
                    if (ordered)
                    {
                        break;
                    }
                }
            }

            return WithErrors(new BsonDocument("n", inserted), errors);
        });
        return reply;
    }

    public static ValueTask<BsonDocument> Update(CommandContext context)
    {
        var name = context.CollectionName;
        var statements = Statements(context, "updates");
        var ordered = context.Flag("ordered", true);
        var bypass = context.Flag("bypassDocumentValidation");
        var variables = context.Variables();
        var reply = context.WriteReply(bulk: statements.Count > 1, work: write =>
        {
            var errors = new BsonArray();
            var upserted = new BsonArray();
            long matched = 0;
            long modified = 0;
            for (var i = 0; i < statements.Count; i++)
            {
                try
                {
                    var statement = statements[i] as BsonDocument ?? throw MongoError.TypeMismatch("each update statement must be an object");
                    var index = i;
                    var outcome = write.Atomically(() => ApplyUpdate(write, context.Database, name, statement, bypass, variables));
                    matched += outcome.Matched;
                    modified += outcome.Modified;
                    if (outcome.UpsertedId is not null)
                    {
                        upserted.Add(new BsonDocument { { "index", index }, { "_id", outcome.UpsertedId } });
                    }
                }
                catch (MongoError error)
                {
                    errors.Add(WriteError(i, error));
                    if (ordered)
                    {
                        break;
                    }
                }
            }

            var result = new BsonDocument { { "n", ReplyCount(matched + upserted.Count) }, { "nModified", ReplyCount(modified) } };
            if (upserted.Count > 0)
            {
                result["upserted"] = upserted;
            }

            return WithErrors(result, errors);
        });
        return reply;
    }

    public static ValueTask<BsonDocument> Delete(CommandContext context)
    {
        var name = context.CollectionName;
        var statements = Statements(context, "deletes");
        var ordered = context.Flag("ordered", true);
        var variables = context.Variables();
        var reply = context.WriteReply(bulk: statements.Count > 1, work: write =>
        {
            var errors = new BsonArray();
            long deleted = 0;
            for (var i = 0; i < statements.Count; i++)
            {
                try
                {
                    var statement = statements[i] as BsonDocument ?? throw MongoError.TypeMismatch("each delete statement must be an object");
                    deleted += write.Atomically(() =>
                    {
                        var collection = write.Catalog.Find(context.Database, name);
                        WriteScope.RejectView(collection);
                        var collation = CommandContext.CollationFor(statement.GetValue("collation", BsonNull.Value), collection);
                        var filter = Filter.Parse(statement.GetValue("q", new BsonDocument()) as BsonDocument ?? throw MongoError.TypeMismatch("q must be an object"), collation, variables);
                        var limit = statement.GetValue("limit", 0).ToInt32();
                        if (limit is not (0 or 1))
                        {
                            throw MongoError.BadValue($"The limit field in delete objects must be 0 or 1. Got {limit}");
                        }

                        if (collection is null)
                        {
                            return 0;
                        }

                        var matches = write.Find(collection, filter, limit == 1 ? 1 : int.MaxValue);
                        foreach (var match in matches)
                        {
                            write.Delete(collection, match);
                        }

                        return matches.Count;
                    });
                }
                catch (MongoError error)
                {
                    errors.Add(WriteError(i, error));
                    if (ordered)
                    {
                        break;
                    }
                }
            }

            return WithErrors(new BsonDocument("n", ReplyCount(deleted)), errors);
        });
        return reply;
    }

    private sealed record UpdateResult(long Matched, long Modified, BsonValue? UpsertedId);

    private static UpdateResult ApplyUpdate(WriteScope write, string database, string name, BsonDocument statement, bool bypass,
        IReadOnlyDictionary<string, BsonValue>? variables)
    {
        var query = statement.GetValue("q", new BsonDocument()) as BsonDocument ?? throw MongoError.TypeMismatch("q must be an object");
        var collection = write.Catalog.Find(database, name);
        WriteScope.RejectView(collection);
        var collation = CommandContext.CollationFor(statement.GetValue("collation", BsonNull.Value), collection);
        // A pipeline update's constants (c) are more variables for its expressions, beside the command's let.
        if (statement.TryGetValue("c", out var constants))
        {
            variables = Merge(variables, Aggregation.CommandVariables.Parse(constants));
        }

        var filter = Filter.Parse(query, collation, variables);
        using var collationScope = Collation.Use(collation);
        using var variableScope = Aggregation.CommandVariables.Use(variables);
        if (statement.GetValue("upsert", false).ToBoolean())
        {
            UpsertPredicate.RejectExpr(query);
        }

        if (!statement.TryGetValue("u", out var update))
        {
            throw MongoError.FailedToParse("BSON field 'update.updates.u' is missing but a required field");
        }

        var arrayFilters = statement.TryGetValue("arrayFilters", out var filters) && filters is BsonArray array ? array : null;
        var engine = UpdateEngine.Parse(update, arrayFilters);
        var multi = statement.GetValue("multi", false).ToBoolean();
        if (multi && engine.IsReplacement)
        {
            throw MongoError.FailedToParse("multi update is not supported for replacement-style update");
        }

        var matches = collection is null ? [] : write.Find(collection, filter, multi ? int.MaxValue : 1);
        if (matches.Count == 0)
        {
            if (!statement.GetValue("upsert", false).ToBoolean())
            {
                return new UpdateResult(0, 0, null);
            }

            collection ??= write.EnsureCollection(database, name);
            var inserted = write.Insert(collection, UpsertDocument(filter, engine), bypass);
            return new UpdateResult(0, 0, inserted["_id"]);
        }

        long modified = 0;
        foreach (var match in matches)
        {
            filter.Matches(match.Document, out var position);
            var outcome = engine.Apply(match.Document, position);
            if (outcome.Modified)
            {
                write.Update(collection!, match, outcome.Document, engine.IsReplacement, bypass, engine.OperatorPaths);
                modified++;
            }
        }

        return new UpdateResult(matches.Count, modified, null);
    }

    private static IReadOnlyDictionary<string, BsonValue>? Merge(IReadOnlyDictionary<string, BsonValue>? first, IReadOnlyDictionary<string, BsonValue>? second)
    {
        if (first is null || second is null)
        {
            return first ?? second;
        }

        var merged = new Dictionary<string, BsonValue>(first, StringComparer.Ordinal);
        foreach (var (name, value) in second)
        {
            merged[name] = value;
        }

        return merged;
    }

    /// <summary>The document an upsert inserts: the replacement (with the filter's _id) or the update applied to the filter's equalities.</summary>
    public static BsonDocument UpsertDocument(Filter filter, UpdateEngine engine)
    {
        var seed = UpdateEngine.UpsertSeed(filter);
        if (!engine.IsReplacement)
        {
            return engine.Apply(seed, null, isUpsertInsert: true).Document;
        }

        var replacement = engine.Apply(new BsonDocument(), null, isUpsertInsert: true).Document;
        if (!replacement.Contains("_id") && seed.TryGetValue("_id", out var id))
        {
            replacement = new BsonDocument("_id", id).AddRange(replacement);
        }

        return replacement;
    }

    public static BsonDocument WriteError(int index, MongoError error)
    {
        var entry = new BsonDocument { { "index", index }, { "code", error.Code }, { "errmsg", error.Message } };
        if (error.ExtraFields is not null)
        {
            entry.Merge(error.ExtraFields, overwriteExistingElements: false);
        }

        return entry;
    }

    private static BsonArray Statements(CommandContext context, string field)
    {
        if (!context.Body.TryGetValue(field, out var value) || value is not BsonArray statements)
        {
            throw MongoError.FailedToParse($"BSON field '{context.CommandName}.{field}' is missing but a required field");
        }

        if (statements.Count > HandshakeCommands.MaxWriteBatchSize)
        {
            throw new MongoError(16, "InvalidLength", $"Write batch sizes must be between 1 and {HandshakeCommands.MaxWriteBatchSize}. Got {statements.Count} operations.");
        }

        return statements;
    }

    // MongoDB answers write counts as int32 (int64 only past int32's range); mongosh compares them with ===, so a
    // long here makes `updateOne(...).modifiedCount === 1` false in scripts.
    private static BsonValue ReplyCount(long count) => count <= int.MaxValue ? new BsonInt32((int)count) : new BsonInt64(count);

    private static BsonDocument WithErrors(BsonDocument reply, BsonArray errors)
    {
        if (errors.Count > 0)
        {
            reply["writeErrors"] = errors;
        }

        return reply;
    }
}
