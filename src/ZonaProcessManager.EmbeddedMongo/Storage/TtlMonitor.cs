using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>Deletes documents whose TTL-indexed date is older than expireAfterSeconds; each delete is a normal change event.</summary>
public static class TtlMonitor
{
    public static int Sweep(MongoStore store)
    {
        var deleted = 0;
        foreach (var collection in store.Catalog.ByNamespace.Values)
        {
            foreach (var index in collection.Indexes)
            {
                if (index.ExpireAfterSeconds is not { } seconds || index.Fields.Count != 1 || index.IsIdIndex)
                {
                    continue;
                }

                var cutoff = DateTimeOffset.UtcNow.AddSeconds(-seconds).ToUnixTimeMilliseconds();
                var from = KeyEncoder.EncodeDate(long.MinValue);
                var to = KeyEncoder.EncodeDate(cutoff);
                var expired = store.Read(read => read.RangeOnIndex(collection, index, from, to));
                if (expired.Count == 0)
                {
                    continue;
                }

                deleted += store.Write(write =>
                {
                    var current = write.Catalog.Find(collection.Database, collection.Name);
                    if (current is null || current.Id != collection.Id)
                    {
                        return 0;
                    }

                    var count = 0;
                    foreach (var candidate in expired)
                    {
                        var stored = write.FindById(current, candidate.Document["_id"]);
                        if (stored is not null && IsExpired(stored.Document, index.Fields[0], cutoff))
                        {
                            write.Delete(current, stored);
                            count++;
                        }
                    }

                    return count;
                });
            }
        }

        return deleted;
    }

    private static bool IsExpired(BsonDocument document, string field, long cutoff) =>
        IndexKeys.ValuesAt(document, field).Any(v => v is BsonDateTime date && date.MillisecondsSinceEpoch < cutoff);
}
