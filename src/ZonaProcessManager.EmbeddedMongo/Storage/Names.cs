namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>MongoDB's rules for database and collection names, so bad names fail as they would on a real server.</summary>
public static class Names
{
    public static void ValidateDatabase(string database)
    {
        if (string.IsNullOrEmpty(database) || database.Length > 63 || database.IndexOfAny(['/', '\\', '.', ' ', '"', '$', '\0']) >= 0)
        {
            throw new MongoError(73, "InvalidNamespace", $"Invalid database name: '{database}'");
        }
    }

    public static void ValidateCollection(string collection)
    {
        if (string.IsNullOrEmpty(collection) || collection.Contains('\0') || collection.Contains('$') || collection.StartsWith('.'))
        {
            throw new MongoError(73, "InvalidNamespace", $"Invalid collection name: '{collection}'");
        }
    }
}
