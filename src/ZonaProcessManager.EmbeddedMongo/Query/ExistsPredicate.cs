using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class ExistsPredicate : ValuePredicate
{
    public static readonly ExistsPredicate Instance = new();

    public override bool ExpandsArrays => false;

    public override bool Test(BsonValue? value) => value is not null;
}
