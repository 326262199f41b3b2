using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.Commands;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.ChangeStreams;

/// <summary>Lets $lookup and friends read other collections (or views) of the database through the store.</summary>
public sealed class StoreAggregationSource(MongoStore store, string database) : IAggregationSource
{
    public IEnumerable<BsonDocument> ReadCollection(string collectionName)
    {
        var resolved = Views.Resolve(store.Catalog, database, collectionName);
        var documents = resolved.Collection is null ? [] : store.Read(read => read.All(resolved.Collection)).Select(d => d.Document).ToList();
        return resolved.IsView ? Pipeline.Parse(resolved.ViewPipeline).Execute(documents, this).ToList() : documents;
    }
}
