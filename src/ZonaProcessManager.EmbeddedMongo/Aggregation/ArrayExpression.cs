using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class ArrayExpression(Expression[] items) : Expression
{
    public override BsonValue? Evaluate(EvaluationContext context)
    {
        var result = new BsonArray(items.Length);
        foreach (var item in items)
        {
            result.Add(item.Evaluate(context) ?? BsonNull.Value);
        }

        return result;
    }
}
