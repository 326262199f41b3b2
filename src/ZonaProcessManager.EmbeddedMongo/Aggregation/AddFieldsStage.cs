using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class AddFieldsStage : Stage
{
    private readonly List<(string[] Path, Expression Value)> fields = [];

    public AddFieldsStage(BsonDocument spec)
    {
        Flatten(spec, []);
    }

    /// <summary>{a: {b: 1}} adds a.b and keeps a's other fields, so nested plain documents become dotted paths.</summary>
    private void Flatten(BsonDocument spec, string[] prefix)
    {
        foreach (var element in spec)
        {
            var path = prefix.Concat(FilterParser.SplitPath(element.Name)).ToArray();
            if (element.Name.StartsWith('$'))
            {
                throw new MongoError(16410, "Location16410", $"FieldPath field names may not start with '$'. Consider using $getField or $setField. Got: '{element.Name}'");
            }

            if (element.Value is BsonDocument nested && nested.ElementCount > 0 && !FilterParser.IsOperatorDocument(nested))
            {
                Flatten(nested, path);
            }
            else
            {
                fields.Add((path, ExpressionParser.Parse(element.Value)));
            }
        }
    }

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        foreach (var document in input)
        {
            var context = new EvaluationContext(document);
            var result = document.DeepClone().AsBsonDocument;
            foreach (var (path, expression) in fields)
            {
                var value = expression.Evaluate(context);
                SetPath(result, path, 0, value);
            }

            yield return result;
        }
    }

    private static void SetPath(BsonDocument target, string[] path, int depth, BsonValue? value)
    {
        string name = path[depth];
        if (depth == path.Length - 1)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else
            {
                target[name] = value.DeepClone();
            }

            return;
        }

        if (target.TryGetValue(name, out var existing) && existing is BsonArray array)
        {
            // Setting a.b over an array of documents sets b in each of them, as MongoDB does.
            for (int i = 0; i < array.Count; i++)
            {
                var element = array[i] as BsonDocument ?? [];
                SetPath(element, path, depth + 1, value);
                array[i] = element;
            }

            return;
        }

        if (existing is not BsonDocument child)
        {
            child = [];
            target[name] = child;
        }

        SetPath(child, path, depth + 1, value);
    }
}
