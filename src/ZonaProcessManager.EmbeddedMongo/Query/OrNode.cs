using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class OrNode(MatchNode[] children) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional)
    {
        foreach (var child in children)
        {
            if (child.Matches(root, ref positional))
            {
                return true;
            }
        }

        return false;
    }
}
