using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Cursors;
using ZonaProcessManager.EmbeddedMongo.Query;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>find, getMore, killCursors, count, distinct.</summary>
public static class ReadCommands
{
    public static ValueTask<BsonDocument> Find(CommandContext context)
    {
        var name = context.CollectionName;
        var ns = $"{context.Database}.{name}";
        var collection = context.Catalog.Find(context.Database, name);
        var collation = context.CommandCollation(collection);
        var variables = context.Variables();
        var filterDocument = context.OptionalDocument("filter") ?? [];
        var filter = Filter.Parse(filterDocument, collation, variables);
        var projection = context.OptionalDocument("projection") is { ElementCount: > 0 } projectionDocument ? Projection.Parse(projectionDocument) : null;
        var sort = context.OptionalDocument("sort") is { ElementCount: > 0 } sortDocument ? SortSpec.Parse(sortDocument, collation) : null;
        var skip = context.OptionalNumber("skip") ?? 0;
        var limit = context.OptionalNumber("limit") ?? 0;
        var singleBatch = context.Flag("singleBatch");
        if (skip < 0)
        {
            throw MongoError.BadValue("Skip value must be non-negative, but received: " + skip);
        }

        if (limit < 0)
        {
            limit = -limit;
            singleBatch = true;
        }

        if (context.Flag("tailable"))
        {
            throw MongoError.BadValue($"error processing query: ns={ns} tailable cursor requested on non capped collection");
        }

        if (context.Flag("awaitData"))
        {
            throw MongoError.FailedToParse("Cannot set 'awaitData' without also setting 'tailable'");
        }

        IEnumerable<BsonDocument> results = [];
        var view = Views.Resolve(context.Catalog, context.Database, name);
        if (collection is not null)
        {
            var wanted = sort is null && limit > 0 ? (int)Math.Min(skip + limit, int.MaxValue) : int.MaxValue;
            // A find on a view filters, sorts, skips, limits and projects what the view's pipeline gives, as MongoDB does.
            // Every document of a collection, unchanged (an operator's full resync): sent as stored, never decoded nor
            // encoded again.
            IEnumerable<BsonDocument> documents = view.IsView
                ? Views.Documents(context, view).Where(filter.Matches)
                : filterDocument.ElementCount == 0 && sort is null && projection is null
                ? context.Read(read => read.AllAsStored(collection, wanted))
                : context.Read(read => read.Find(collection, filter, wanted)).Select(d => d.Document);
            if (sort is not null)
            {
                documents = documents.OrderBy(d => d, sort);
            }

            documents = documents.Skip((int)Math.Min(skip, int.MaxValue));
            if (limit > 0)
            {
                documents = documents.Take((int)Math.Min(limit, int.MaxValue));
            }

            if (projection is not null)
            {
                documents = documents.Select(d =>
                {
                    filter.Matches(d, out var position);
                    return projection.Apply(d, position);
                });
            }

            // Projection expressions ($$ variables, comparisons) evaluate as the documents are listed.
            using var collationScope = Collation.Use(collation);
            using var variableScope = Aggregation.CommandVariables.Use(variables);
            results = documents.ToList();
        }

        return CursorReplies.FirstBatchAsync(context, new ListCursor(ns, results), CursorReplies.BatchSize(context), singleBatch);
    }

    public static async ValueTask<BsonDocument> GetMore(CommandContext context)
    {
        if (!context.CommandValue.IsNumeric)
        {
            throw MongoError.TypeMismatch("getMore cursor id must be a long");
        }

        var id = context.CommandValue.ToInt64();
        var collection = context.Body.GetValue("collection", BsonNull.Value) is BsonString name
            ? name.Value
            : throw MongoError.FailedToParse("BSON field 'getMore.collection' is missing but a required field");
        var cursor = context.Server.Cursors.Find(id) ?? throw MongoError.CursorNotFound(id);
        var ns = $"{context.Database}.{collection}";
        if (cursor.Namespace != ns)
        {
            throw new MongoError(13, "Unauthorized", $"Requested getMore on namespace '{ns}', but cursor belongs to a different namespace {cursor.Namespace}");
        }

        var maxTime = context.OptionalNumber("maxTimeMS") is { } milliseconds ? TimeSpan.FromMilliseconds(milliseconds) : (TimeSpan?)null;
        await cursor.Gate.WaitAsync(context.CancellationToken);
        CursorBatch batch;
        try
        {
            batch = await cursor.NextBatchAsync(CursorReplies.BatchSize(context), maxTime, isFirstBatch: false, context.CancellationToken);
            cursor.LastUsedUtc = DateTime.UtcNow;
        }
        catch
        {
            context.Server.Cursors.Remove(id);
            throw;
        }
        finally
        {
            cursor.Gate.Release();
        }

        if (batch.Exhausted)
        {
            context.Server.Cursors.Remove(id);
            id = 0;
        }

        return CursorReplies.Reply(id, ns, "nextBatch", batch);
    }

    public static ValueTask<BsonDocument> KillCursors(CommandContext context)
    {
        var killed = new BsonArray();
        var notFound = new BsonArray();
        if (context.Body.GetValue("cursors", BsonNull.Value) is not BsonArray ids)
        {
            throw MongoError.FailedToParse("BSON field 'killCursors.cursors' is missing but a required field");
        }

        foreach (var id in ids)
        {
            (context.Server.Cursors.Remove(id.ToInt64()) ? killed : notFound).Add(id);
        }

        return ValueTask.FromResult(new BsonDocument
        {
            { "cursorsKilled", killed },
            { "cursorsNotFound", notFound },
            { "cursorsAlive", new BsonArray() },
            { "cursorsUnknown", new BsonArray() },
        });
    }

    public static ValueTask<BsonDocument> Count(CommandContext context)
    {
        var collection = context.Catalog.Find(context.Database, context.CollectionName);
        var query = context.OptionalDocument("query");
        var skip = context.OptionalNumber("skip") ?? 0;
        var limit = Math.Abs(context.OptionalNumber("limit") ?? 0);
        var collation = context.CommandCollation(collection);
        long count = 0;
        var view = Views.Resolve(context.Catalog, context.Database, context.CollectionName);
        if (view.IsView)
        {
            var filter = Filter.Parse(query ?? [], collation);
            count = Views.Documents(context, view).Count(filter.Matches);
        }
        else if (collection is not null)
        {
            count = query is null || query.ElementCount == 0
                ? context.Read(read => read.Count(collection))
                : context.Read(read => read.Find(collection, Filter.Parse(query, collation)).Count);
        }

        count = Math.Max(0, count - skip);
        if (limit > 0)
        {
            count = Math.Min(count, limit);
        }

        return ValueTask.FromResult(new BsonDocument("n", count));
    }

    public static ValueTask<BsonDocument> Distinct(CommandContext context)
    {
        var key = context.Body.GetValue("key", BsonNull.Value) is BsonString keyName
            ? keyName.Value
            : throw MongoError.FailedToParse("BSON field 'distinct.key' is missing but a required field");
        var collection = context.Catalog.Find(context.Database, context.CollectionName);
        var collation = context.CommandCollation(collection);
        var filter = Filter.Parse(context.OptionalDocument("query") ?? [], collation);
        var values = new List<BsonValue>();
        // Values equal under the collation are one distinct value (the first met), and they sort by it.
        using var collationScope = Collation.Use(collation);
        if (collection is not null)
        {
            var view = Views.Resolve(context.Catalog, context.Database, context.CollectionName);
            var documents = view.IsView ? Views.Documents(context, view).Where(filter.Matches) : context.Read(read => read.Find(collection, filter)).Select(d => d.Document);
            foreach (var document in documents)
            {
                foreach (var value in IndexKeys.ValuesAt(document, key))
                {
                    if (!values.Any(existing => BsonOrder.ValuesEqual(existing, value)))
                    {
                        values.Add(value);
                    }
                }
            }
        }

        values.Sort(BsonOrder.Instance);
        return ValueTask.FromResult(new BsonDocument("values", new BsonArray(values)));
    }
}
