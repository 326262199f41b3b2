using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class ConstantExpression(BsonValue value) : Expression
{
    public BsonValue Value { get; } = value;

    public override BsonValue? Evaluate(EvaluationContext context) => Value;
}
