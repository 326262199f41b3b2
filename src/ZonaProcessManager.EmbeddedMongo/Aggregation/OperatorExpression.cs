using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class OperatorExpression(string name, Expression[] args, Func<EvaluationContext, Expression[], BsonValue?> body) : Expression
{
    public string Name { get; } = name;

    public override BsonValue? Evaluate(EvaluationContext context) => body(context, args);
}
