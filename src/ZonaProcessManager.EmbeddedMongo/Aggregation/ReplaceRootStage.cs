using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class ReplaceRootStage(Expression newRoot) : Stage
{
    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        foreach (var document in input)
        {
            var value = newRoot.Evaluate(new EvaluationContext(document));
            if (value is not BsonDocument replacement)
            {
                throw new MongoError(40228, "Location40228",
                    $"'replacement document' must evaluate to an object, but resulting value was: {(value is null ? "MISSING" : value.ToString())}. Type of resulting value: '{(value is null ? "missing" : BsonTypeNames.NameOf(value.BsonType))}'. Input document: {document}");
            }

            yield return replacement.DeepClone().AsBsonDocument;
        }
    }
}
