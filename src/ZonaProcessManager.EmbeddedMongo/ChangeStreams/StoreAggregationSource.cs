using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.ChangeStreams;

/// <summary>Lets $lookup and friends read other collections of the database through the store.</summary>
public sealed class StoreAggregationSource(MongoStore store, string database) : IAggregationSource
{
    public IEnumerable<BsonDocument> ReadCollection(string collectionName)
    {
        var collection = store.Catalog.Find(database, collectionName);
        return collection is null ? [] : store.Read(read => read.All(collection)).Select(d => d.Document).ToList();
    }
}
