using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class MatchStage(Filter filter) : Stage
{
    public Filter Filter { get; } = filter;

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source) => input.Where(Filter.Matches);
}
