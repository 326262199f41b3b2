using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.Commands;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.ChangeStreams;

/// <summary>Lets $lookup and friends read other collections (or views) of the database through the store.</summary>
public sealed class StoreAggregationSource(MongoStore store, string database) : IAggregationSource
{
    // Views reading views through $lookup nest here; definitions are checked for cycles, this bounds what slips past.
    private int viewDepth;

    public IEnumerable<BsonDocument> ReadCollection(string collectionName)
    {
        var resolved = Views.Resolve(store.Catalog, database, collectionName);
        var documents = resolved.Collection is null ? [] : store.Read(read => read.All(resolved.Collection)).Select(d => d.Document).ToList();
        if (!resolved.IsView)
        {
            return documents;
        }

        if (++viewDepth > Views.MaxDepth)
        {
            viewDepth--;
            throw new MongoError(149, "ViewDepthLimitExceeded", $"View depth too deep or view cycle detected. Maximum depth is {Views.MaxDepth}");
        }

        try
        {
            return Pipeline.Parse(resolved.ViewPipeline).Execute(documents, this).ToList();
        }
        finally
        {
            viewDepth = Math.Max(0, viewDepth - 1);
        }
    }
}
