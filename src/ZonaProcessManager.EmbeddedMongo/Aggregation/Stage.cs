using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal abstract class Stage
{
    public abstract IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source);
}
