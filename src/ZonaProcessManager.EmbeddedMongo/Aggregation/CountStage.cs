using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class CountStage(string field) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        long count = input.LongCount();
        if (count > 0)
        {
            yield return new BsonDocument(field, count <= int.MaxValue ? new BsonInt32((int)count) : new BsonInt64(count));
        }
    }
}
