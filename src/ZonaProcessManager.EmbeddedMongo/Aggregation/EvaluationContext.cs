using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>The variables an expression sees: $$ROOT, $$CURRENT and those bound by $let/$map/$filter.</summary>
internal sealed class EvaluationContext(BsonDocument root, IReadOnlyDictionary<string, BsonValue>? variables = null)
{
    public BsonDocument Root { get; } = root;

    public BsonValue? Variable(string name) =>
        name switch
        {
            "ROOT" or "CURRENT" => Root,
            "REMOVE" => null,
            "NOW" => StatementClock.Now,
            _ when variables is not null && variables.TryGetValue(name, out var value) => value,
            _ when CommandVariables.Current is { } commandVariables && commandVariables.TryGetValue(name, out var value) => value,
            _ => throw new MongoError(17276, "Location17276", $"Use of undefined variable: {name}"),
        };

    public EvaluationContext With(string name, BsonValue value)
    {
        var copy = variables is null
            ? new Dictionary<string, BsonValue>(StringComparer.Ordinal)
            : new Dictionary<string, BsonValue>(variables, StringComparer.Ordinal);
        copy[name] = value;
        return new EvaluationContext(Root, copy);
    }
}
