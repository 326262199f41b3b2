using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class ObjectExpression(List<(string Name, Expression Value)> fields) : Expression
{
    public override BsonValue? Evaluate(EvaluationContext context)
    {
        var result = new BsonDocument();
        foreach (var (name, value) in fields)
        {
            var evaluated = value.Evaluate(context);
            if (evaluated is not null)
            {
                result[name] = evaluated;
            }
        }

        return result;
    }
}
