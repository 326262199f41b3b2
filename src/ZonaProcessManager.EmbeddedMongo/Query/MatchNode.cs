using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>
/// One node of a compiled filter. <paramref name="root"/> is usually a document; a node whose path is empty tests the
/// value itself (used by value-form $elemMatch and $pull conditions). <paramref name="positional"/> receives the index
/// of the outermost array element that satisfied a predicate, -1 when none did.
/// </summary>
internal abstract class MatchNode
{
    public abstract bool Matches(BsonValue root, ref int positional);
}
