using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class AndNode(MatchNode[] children) : MatchNode
{
    public MatchNode[] Children { get; } = children;

    public override bool Matches(BsonValue root, ref int positional)
    {
        foreach (var child in Children)
        {
            if (!child.Matches(root, ref positional))
            {
                return false;
            }
        }

        return true;
    }
}
