using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class ChainStage(params Stage[] stages) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        foreach (var stage in stages)
        {
            input = stage.Execute(input, source);
        }

        return input;
    }
}
