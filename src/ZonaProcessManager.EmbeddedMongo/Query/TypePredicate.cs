using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class TypePredicate(BsonType[] types) : ValuePredicate
{
    public override bool Test(BsonValue? value) => value is not null && Array.IndexOf(types, value.BsonType) >= 0;
}
