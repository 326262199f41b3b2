using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.ChangeStreams;

/// <summary>Where a change stream listens: a collection, a database (Collection null) or the whole deployment (both null).</summary>
public sealed record ChangeStreamScope(string? Database, string? Collection)
{
    /// <summary>Whether this change ends the stream: the watched collection dropped or renamed away, or the watched database dropped.</summary>
    public bool IsInvalidatedBy(ChangeRecord change)
    {
        var operation = change.Event["operationType"].AsString;
        if (Collection is not null)
        {
            return (change.Collection == Collection && change.Database == Database && operation is "drop" or "rename")
                || (operation == "dropDatabase" && change.Database == Database);
        }

        return Database is not null && operation == "dropDatabase" && change.Database == Database;
    }
}
