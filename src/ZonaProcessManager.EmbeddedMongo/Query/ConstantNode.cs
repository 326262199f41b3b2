using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class ConstantNode(bool value) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional) => value;
}
