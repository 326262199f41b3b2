using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class DelegateNode(Func<BsonDocument, bool> predicate) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional) => root is BsonDocument document && predicate(document);
}
