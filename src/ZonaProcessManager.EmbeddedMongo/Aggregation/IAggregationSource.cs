using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>What a pipeline may read besides its input, e.g. the foreign collection of $lookup.</summary>
public interface IAggregationSource
{
    /// <summary>All documents of a collection in the current database; empty when it does not exist.</summary>
    IEnumerable<BsonDocument> ReadCollection(string collectionName);
}
