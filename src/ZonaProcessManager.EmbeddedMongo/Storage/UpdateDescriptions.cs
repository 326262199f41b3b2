using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>Computes a change event's updateDescription by diffing the stored document before and after an update.</summary>
public static class UpdateDescriptions
{
    public static BsonDocument Diff(BsonDocument before, BsonDocument after)
    {
        var updated = new BsonDocument();
        var removed = new BsonArray();
        Walk(before, after, "", updated, removed);
        return new BsonDocument
        {
            { "updatedFields", updated },
            { "removedFields", removed },
            { "truncatedArrays", new BsonArray() },
        };
    }

    private static void Walk(BsonDocument before, BsonDocument after, string prefix, BsonDocument updated, BsonArray removed)
    {
        foreach (var element in after)
        {
            var path = prefix + element.Name;
            if (!before.TryGetValue(element.Name, out var old))
            {
                updated[path] = element.Value;
            }
            else if (old is BsonDocument oldDocument && element.Value is BsonDocument newDocument)
            {
                Walk(oldDocument, newDocument, path + ".", updated, removed);
            }
            else if (!old.Equals(element.Value))
            {
                updated[path] = element.Value;
            }
        }

        foreach (var element in before)
        {
            if (!after.Contains(element.Name))
            {
                removed.Add(prefix + element.Name);
            }
        }
    }
}
