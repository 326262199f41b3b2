using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class GroupStage(Expression id, List<(string Field, string Operator, Expression Argument)> accumulators) : Stage
{
    public static GroupStage Parse(BsonDocument spec)
    {
        Expression? id = null;
        var accumulators = new List<(string, string, Expression)>();
        foreach (var element in spec)
        {
            if (element.Name == "_id")
            {
                id = ExpressionParser.Parse(element.Value);
                continue;
            }

            if (element.Name.Contains('.'))
            {
                throw new MongoError(40235, "Location40235", $"The field name '{element.Name}' cannot contain '.'");
            }

            if (element.Name.StartsWith('$'))
            {
                throw new MongoError(40236, "Location40236", $"The field name '{element.Name}' cannot be an operator name");
            }

            if (element.Value is not BsonDocument accumulator || accumulator.ElementCount != 1)
            {
                throw new MongoError(40234, "Location40234", $"The field '{element.Name}' must be an accumulator object");
            }

            var op = accumulator.GetElement(0);
            if (op.Name is not ("$sum" or "$avg" or "$min" or "$max" or "$first" or "$last" or "$push" or "$addToSet" or "$count"))
            {
                throw new MongoError(15952, "Location15952", $"unknown group operator '{op.Name}'");
            }

            if (op.Name == "$count" && op.Value is not BsonDocument { ElementCount: 0 })
            {
                throw new MongoError(9, "FailedToParse", "$count takes no arguments, i.e. $count:{}");
            }

            if (op.Value is BsonArray && op.Name != "$count")
            {
                throw new MongoError(40237, "Location40237", $"The {op.Name} accumulator is a unary operator");
            }

            accumulators.Add((element.Name, op.Name, op.Name == "$count" ? new ConstantExpression(1) : ExpressionParser.Parse(op.Value)));
        }

        if (id is null)
        {
            throw new MongoError(15955, "Location15955", "a group specification must include an _id");
        }

        return new GroupStage(id, accumulators);
    }

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        var groups = new Dictionary<BsonValue, Accumulator[]>(BsonValueKeyComparer.Instance);
        var order = new List<BsonValue>();
        foreach (var document in input)
        {
            var context = new EvaluationContext(document);
            var key = id.Evaluate(context) ?? BsonNull.Value;
            if (!groups.TryGetValue(key, out var state))
            {
                state = [.. accumulators.Select(a => Create(a.Operator))];
                groups.Add(key, state);
                order.Add(key);
            }

            for (int i = 0; i < accumulators.Count; i++)
            {
                state[i].Add(accumulators[i].Argument.Evaluate(context));
            }
        }

        foreach (var key in order)
        {
            var result = new BsonDocument("_id", key.DeepClone());
            var state = groups[key];
            for (int i = 0; i < accumulators.Count; i++)
            {
                result[accumulators[i].Field] = state[i].Result();
            }

            yield return result;
        }
    }

    private static Accumulator Create(string name) => name switch
    {
        "$sum" or "$count" => new SumAccumulator(),
        "$avg" => new AverageAccumulator(),
        "$min" => new ExtremeAccumulator(max: false),
        "$max" => new ExtremeAccumulator(max: true),
        "$first" => new FirstLastAccumulator(last: false),
        "$last" => new FirstLastAccumulator(last: true),
        "$push" => new PushAccumulator(unique: false),
        _ => new PushAccumulator(unique: true),
    };

    private sealed class SumAccumulator : Accumulator
    {
        private BsonValue total = new BsonInt32(0);

        public override void Add(BsonValue? value)
        {
            // $sum ignores non-numeric values; an array argument is summed element-wise only in $project, not in $group.
            if (value is not null && BsonTypeNames.IsNumber(value))
            {
                total = Numeric.Combine(total, value, multiply: false)!;
            }
        }

        public override BsonValue Result() => total;
    }

    private sealed class AverageAccumulator : Accumulator
    {
        private BsonValue total = new BsonInt32(0);
        private long count;

        public override void Add(BsonValue? value)
        {
            if (value is not null && BsonTypeNames.IsNumber(value))
            {
                total = Numeric.Combine(total, value, multiply: false)!;
                count++;
            }
        }

        public override BsonValue Result() =>
            count == 0 ? BsonNull.Value : Numeric.Divide(total, new BsonInt64(count));
    }

    private sealed class ExtremeAccumulator(bool max) : Accumulator
    {
        private BsonValue? best;

        public override void Add(BsonValue? value)
        {
            if (ExpressionEvaluator.IsNullish(value))
            {
                return;
            }

            if (best is null || (max ? BsonOrder.Instance.Compare(value, best) > 0 : BsonOrder.Instance.Compare(value, best) < 0))
            {
                best = value;
            }
        }

        public override BsonValue Result() => best?.DeepClone() ?? BsonNull.Value;
    }

    private sealed class FirstLastAccumulator(bool last) : Accumulator
    {
        private BsonValue? value;
        private bool seen;

        public override void Add(BsonValue? candidate)
        {
            if (!seen || last)
            {
                value = candidate;
                seen = true;
            }
        }

        public override BsonValue Result() => value?.DeepClone() ?? BsonNull.Value;
    }

    private sealed class PushAccumulator(bool unique) : Accumulator
    {
        private readonly BsonArray values = [];
        private readonly HashSet<BsonValue> seen = new(BsonValueKeyComparer.Instance);

        public override void Add(BsonValue? value)
        {
            if (value is null || (unique && !seen.Add(value)))
            {
                return;
            }

            values.Add(value.DeepClone());
        }

        public override BsonValue Result() => values;
    }
}
