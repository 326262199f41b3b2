using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class FieldPathExpression(string? variable, string[] path) : Expression
{
    public override BsonValue? Evaluate(EvaluationContext context)
    {
        BsonValue? current = variable is null ? context.Root : context.Variable(variable);
        foreach (var part in path)
        {
            if (current is null)
            {
                return null;
            }

            current = Step(current, part);
        }

        return current;
    }

    /// <summary>"$a.b" over an array of documents gives the array of their b values, as MongoDB does.</summary>
    private static BsonValue? Step(BsonValue value, string part)
    {
        switch (value)
        {
            case BsonDocument document:
                return document.TryGetValue(part, out var found) ? found : null;
            case BsonArray array:
                {
                    var results = new BsonArray();
                    foreach (var element in array)
                    {
                        var inner = element is BsonArray or BsonDocument ? Step(element, part) : null;
                        if (inner is not null)
                        {
                            results.Add(inner);
                        }
                    }

                    return results;
                }
            default:
                return null;
        }
    }
}
