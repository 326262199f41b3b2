using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>findAndModify: update, replace, upsert or remove one document and return it (before or after) atomically.</summary>
public static class FindAndModifyCommand
{
    public static ValueTask<BsonDocument> Execute(CommandContext context)
    {
        var name = context.CollectionName;
        var query = context.OptionalDocument("query") ?? [];
        Storage.WriteScope.RejectView(context.Catalog.Find(context.Database, name));
        var collation = context.CommandCollation(context.Catalog.Find(context.Database, name));
        var variables = context.Variables();
        var filter = Filter.Parse(query, collation, variables);
        var sort = context.OptionalDocument("sort") is { ElementCount: > 0 } sortDocument ? SortSpec.Parse(sortDocument, collation) : null;
        var projection = context.OptionalDocument("fields") is { ElementCount: > 0 } fields ? Projection.Parse(fields) : null;
        var remove = context.Flag("remove");
        var returnNew = context.Flag("new");
        var upsert = context.Flag("upsert");
        var bypass = context.Flag("bypassDocumentValidation");
        var hasUpdate = context.Body.TryGetValue("update", out var update) && !update.IsBsonNull;
        if (remove && hasUpdate)
        {
            throw MongoError.FailedToParse("Cannot specify both an update and remove=true");
        }

        if (!remove && !hasUpdate)
        {
            throw MongoError.FailedToParse("Either an update or remove=true must be specified");
        }

        if (remove && (upsert || returnNew))
        {
            throw MongoError.FailedToParse("Cannot specify both upsert=true and remove=true, or new=true and remove=true");
        }

        if (upsert)
        {
            UpsertPredicate.RejectExpr(query);
        }

        var arrayFilters = context.Body.TryGetValue("arrayFilters", out var filters) && filters is BsonArray array ? array : null;
        var engine = hasUpdate ? UpdateEngine.Parse(update!, arrayFilters) : null;
        // The whole reply is built inside the write so that a retryable findAndModify records it with the write.
        var reply = context.WriteReply(write =>
        {
            using var collationScope = Collation.Use(collation);
            using var variableScope = Aggregation.CommandVariables.Use(variables);
            var collection = write.Catalog.Find(context.Database, name);
            var candidates = collection is null ? [] : write.Find(collection, filter, sort is null ? 1 : int.MaxValue);
            var target = sort is null ? candidates.FirstOrDefault() : candidates.OrderBy(c => c.Document, sort).FirstOrDefault();
            if (remove)
            {
                if (target is null)
                {
                    return Reply(new BsonDocument("n", 0), null);
                }

                write.Delete(collection!, target);
                return Reply(new BsonDocument("n", 1), target.Document);
            }

            if (target is null)
            {
                if (!upsert)
                {
                    return Reply(new BsonDocument { { "n", 0 }, { "updatedExisting", false } }, null);
                }

                collection ??= write.EnsureCollection(context.Database, name);
                var inserted = write.Insert(collection, WriteCommands.UpsertDocument(filter, engine!), bypass);
                return Reply(new BsonDocument { { "n", 1 }, { "updatedExisting", false }, { "upserted", inserted["_id"] } }, returnNew ? inserted : null);
            }

            filter.Matches(target.Document, out var position);
            var outcome = engine!.Apply(target.Document, position);
            var after = outcome.Modified ? write.Update(collection!, target, outcome.Document, engine.IsReplacement, bypass, engine.OperatorPaths) : target.Document;
            return Reply(new BsonDocument { { "n", 1 }, { "updatedExisting", true } }, returnNew ? after : target.Document);
        });
        return reply;

        BsonDocument Reply(BsonDocument lastError, BsonDocument? value)
        {
            var shown = value is null ? BsonNull.Value : (BsonValue)(projection?.Apply(value) ?? value);
            return new BsonDocument { { "lastErrorObject", lastError }, { "value", shown }, { "ok", 1.0 } };
        }
    }
}
