using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Cursors;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>createIndexes, listIndexes, dropIndexes.</summary>
public static class IndexCommands
{
    private static readonly string[] SupportedOptions =
        ["v", "key", "name", "unique", "sparse", "expireAfterSeconds", "partialFilterExpression", "background", "hidden", "collation"];

    public static ValueTask<BsonDocument> CreateIndexes(CommandContext context)
    {
        var name = context.CollectionName;
        if (!context.Body.TryGetValue("indexes", out var indexesValue) || indexesValue is not BsonArray { Count: > 0 } requested)
        {
            throw MongoError.BadValue("Must specify at least one index to create");
        }

        var collectionOptions = context.Catalog.Find(context.Database, name)?.Options;
        var specs = requested.Select(value => NormalizeSpec(value as BsonDocument ?? throw MongoError.TypeMismatch("each index specification must be an object"), collectionOptions)).ToList();
        var reply = context.Write(write =>
        {
            var createdCollection = write.Catalog.Find(context.Database, name) is null;
            var collection = write.EnsureCollection(context.Database, name);
            var before = collection.Indexes.Count;
            var created = 0;
            foreach (var spec in specs)
            {
                if (write.Atomically(() => write.CreateIndex(write.Catalog.Find(context.Database, name)!, spec)))
                {
                    created++;
                }
            }

            var result = new BsonDocument
            {
                { "numIndexesBefore", before },
                { "numIndexesAfter", before + created },
                { "createdCollectionAutomatically", createdCollection },
            };
            if (created == 0)
            {
                result["note"] = "all indexes already exist";
            }

            return result;
        });
        return ValueTask.FromResult(reply);
    }

    public static ValueTask<BsonDocument> ListIndexes(CommandContext context)
    {
        var collection = context.Catalog.Find(context.Database, context.CollectionName)
            ?? throw MongoError.NamespaceNotFound($"ns does not exist: {context.Database}.{context.CollectionName}");
        WriteScope.RejectView(collection);
        var cursorOptions = context.OptionalDocument("cursor") ?? [];
        return CursorReplies.FirstBatchAsync(context, new ListCursor(collection.Namespace, collection.Indexes.Select(i => i.Spec)), CursorReplies.BatchSize(context, cursorOptions));
    }

    public static ValueTask<BsonDocument> DropIndexes(CommandContext context)
    {
        var name = context.CollectionName;
        var target = context.Body.GetValue("index", BsonNull.Value);
        var reply = context.Write(write =>
        {
            var collection = write.Catalog.Find(context.Database, name)
                ?? throw MongoError.NamespaceNotFound($"ns not found {context.Database}.{name}");
            WriteScope.RejectView(collection);
            var before = collection.Indexes.Count;
            var toDrop = target switch
            {
                BsonString { Value: "*" } => [.. collection.Indexes.Where(i => !i.IsIdIndex)],
                BsonString single => [Find(collection, i => i.Name == single.Value, single.Value)],
                BsonArray names => names.Select(n => Find(collection, i => i.Name == n.AsString, n.AsString)).ToList(),
                BsonDocument key => [Find(collection, i => i.Key.Equals(key), key.ToJson())],
                _ => throw MongoError.TypeMismatch("index must be a string, an array of names or a key pattern"),
            };
            foreach (var index in toDrop)
            {
                write.DropIndex(write.Catalog.Find(context.Database, name)!, index);
            }

            return new BsonDocument("nIndexesWas", before);
        });
        return ValueTask.FromResult(reply);
    }

    private static IndexMeta Find(CollectionMeta collection, Func<IndexMeta, bool> predicate, string description) =>
        collection.Indexes.FirstOrDefault(predicate)
        ?? throw new MongoError(27, "IndexNotFound", $"index not found with name [{description}]");

    private static BsonDocument NormalizeSpec(BsonDocument requested, BsonDocument? collectionOptions)
    {
        if (!requested.TryGetValue("key", out var keyValue) || keyValue is not BsonDocument { ElementCount: > 0 } key)
        {
            throw new MongoError(67, "CannotCreateIndex", "Index keys cannot be empty.");
        }

        foreach (var element in key)
        {
            if (!element.Value.IsNumeric || element.Value.ToDouble() == 0)
            {
                throw new MongoError(67, "CannotCreateIndex",
                    $"Index key '{element.Name}: {element.Value}' is not supported by the embedded server: only ascending (1) and descending (-1) keys are");
            }
        }

        foreach (var element in requested)
        {
            if (!SupportedOptions.Contains(element.Name))
            {
                throw new MongoError(197, "InvalidIndexSpecificationOption", $"The field '{element.Name}' is not valid for an index specification. Specification: {requested}");
            }
        }

        var name = requested.TryGetValue("name", out var given) && given is BsonString text
            ? text.Value
            : string.Join("_", key.Select(e => $"{e.Name}_{e.Value.ToInt32()}"));
        var spec = new BsonDocument { { "v", 2 }, { "key", key }, { "name", name } };
        foreach (var element in requested)
        {
            if (element.Name is not ("v" or "key" or "name" or "background"))
            {
                spec[element.Name] = element.Value;
            }
        }

        // An index without its own collation takes the collection's default, as in MongoDB; listIndexes shows it in full.
        spec.Remove("collation");
        if (Query.Collation.Of(requested.GetValue("collation", BsonNull.Value), collectionOptions) is { } collation)
        {
            // Index keys are stored in binary order, which serves lookups and sorts of the simple collation only: queries
            // with this collation scan instead. A unique or partial index would have to compare by the collation itself.
            if (spec.GetValue("unique", false).ToBoolean() || spec.Contains("partialFilterExpression"))
            {
                throw CommandOptions.NotImplemented("createIndexes.indexes.collation with unique or partialFilterExpression");
            }

            spec["collation"] = collation.Spec;
        }

        if (name == "_id_" && !key.Equals(new BsonDocument("_id", 1)))
        {
            throw new MongoError(67, "CannotCreateIndex", "The index name '_id_' is reserved for the _id index");
        }

        if (spec.TryGetValue("expireAfterSeconds", out var ttl) && (!ttl.IsNumeric || ttl.ToDouble() < 0))
        {
            throw new MongoError(67, "CannotCreateIndex", "TTL index 'expireAfterSeconds' option must be a non-negative number");
        }

        return spec;
    }
}
