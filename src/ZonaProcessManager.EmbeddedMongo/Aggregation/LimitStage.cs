using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class LimitStage(long count) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source) =>
        input.Take((int)Math.Min(count, int.MaxValue));
}
