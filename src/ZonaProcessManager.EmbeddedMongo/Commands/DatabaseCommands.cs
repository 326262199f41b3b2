using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>listDatabases, dbStats, collStats, dropDatabase.</summary>
public static class DatabaseCommands
{
    public static ValueTask<BsonDocument> ListDatabases(CommandContext context)
    {
        var catalog = context.Catalog;
        var filter = context.OptionalDocument("filter") is { } filterDocument ? Filter.Parse(filterDocument) : null;
        var nameOnly = context.Flag("nameOnly");
        var databases = new BsonArray();
        long total = 0;
        // As MongoDB's authorizedDatabases: a user without a cluster-wide role sees the databases it holds a role on.
        var user = context.Server.Options.RequireAuthentication ? context.Connection.State.CurrentUser(context.Server.Users) : null;
        var seesAll = user is null || user.Can(Auth.Privilege.Read, null) || user.Can(Auth.Privilege.DbAdmin, null);
        foreach (var name in catalog.Databases.Where(name => seesAll || user!.Roles.Any(role => role.Db == name)))
        {
            var size = context.Read(read => catalog.InDatabase(name).Sum(read.DataSize));
            var entry = nameOnly
                ? new BsonDocument("name", name)
                : new BsonDocument { { "name", name }, { "sizeOnDisk", size }, { "empty", size == 0 } };
            if (filter is null || filter.Matches(entry))
            {
                databases.Add(entry);
                total += size;
            }
        }

        var reply = new BsonDocument("databases", databases);
        if (!nameOnly)
        {
            reply["totalSize"] = total;
            reply["totalSizeMb"] = total / (1024 * 1024);
        }

        return ValueTask.FromResult(reply);
    }

    public static ValueTask<BsonDocument> DbStats(CommandContext context)
    {
        var all = context.Catalog.InDatabase(context.Database).ToList();
        var collections = all.Where(c => !c.IsView).ToList();
        var (objects, dataSize) = context.Read(read =>
            (collections.Sum(read.Count), collections.Sum(read.DataSize)));
        return ValueTask.FromResult(new BsonDocument
        {
            { "db", context.Database },
            { "collections", collections.Count },
            { "views", all.Count - collections.Count },
            { "objects", objects },
            { "avgObjSize", objects == 0 ? 0.0 : (double)dataSize / objects },
            { "dataSize", (double)dataSize },
            { "storageSize", (double)dataSize },
            { "indexes", collections.Sum(c => c.Indexes.Count) },
            { "indexSize", 0.0 },
            { "totalSize", (double)dataSize },
            { "scaleFactor", 1 },
        });
    }

    public static ValueTask<BsonDocument> CollStats(CommandContext context)
    {
        var collection = context.Catalog.Find(context.Database, context.CollectionName)
            ?? throw MongoError.NamespaceNotFound($"Collection [{context.Database}.{context.CollectionName}] not found.");
        Storage.WriteScope.RejectView(collection);
        var (count, size) = context.Read(read => (read.Count(collection), read.DataSize(collection)));
        var indexSizes = new BsonDocument(collection.Indexes.Select(i => new BsonElement(i.Name, 0)));
        return ValueTask.FromResult(new BsonDocument
        {
            { "ns", collection.Namespace },
            { "count", count },
            { "size", size },
            { "avgObjSize", count == 0 ? 0 : size / count },
            { "storageSize", size },
            { "nindexes", collection.Indexes.Count },
            { "totalIndexSize", 0 },
            { "indexSizes", indexSizes },
            { "capped", false },
        });
    }

    public static ValueTask<BsonDocument> DropDatabase(CommandContext context)
    {
        context.Write(write =>
        {
            write.DropDatabase(context.Database);
            return 0;
        });
        if (context.Database == Auth.UserStore.Database)
        {
            context.Server.Users.Invalidate();
        }

        return ValueTask.FromResult(new BsonDocument("dropped", context.Database));
    }
}
