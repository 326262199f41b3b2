using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>A compiled aggregation expression. Evaluate returns null for "missing" (e.g. an absent field or $$REMOVE).</summary>
internal abstract class Expression
{
    public abstract BsonValue? Evaluate(EvaluationContext context);
}
