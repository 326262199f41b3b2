using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal abstract class Accumulator
{
    public abstract void Add(BsonValue? value);

    public abstract BsonValue Result();
}
