using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class NotNode(MatchNode inner) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional)
    {
        // A negation never identifies a matching array element, so its inner positional result is discarded.
        int ignored = -1;
        return !inner.Matches(root, ref ignored);
    }
}
