using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class SizePredicate(int size) : ValuePredicate
{
    public override bool ExpandsArrays => false;

    public override bool Test(BsonValue? value) => value is BsonArray array && array.Count == size;
}
