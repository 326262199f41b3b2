using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>One index as listIndexes reports it; <see cref="Spec"/> is the stored document (v, key, name, unique, ...).</summary>
public sealed record IndexMeta(long Id, BsonDocument Spec)
{
    public const string IdIndexName = "_id_";

    public string Name => Spec["name"].AsString;
    public BsonDocument Key => Spec["key"].AsBsonDocument;

    public bool IsIdIndex => Name == IdIndexName;
    public bool Unique => IsIdIndex || (Spec.TryGetValue("unique", out var unique) && unique.ToBoolean());
    public bool Sparse => Spec.TryGetValue("sparse", out var sparse) && sparse.ToBoolean();
    public BsonDocument? PartialFilter => Spec.TryGetValue("partialFilterExpression", out var filter) ? filter.AsBsonDocument : null;

    public double? ExpireAfterSeconds =>
        Spec.TryGetValue("expireAfterSeconds", out var seconds) && seconds.IsNumeric ? seconds.ToDouble() : null;

    public IReadOnlyList<string> Fields => [.. Key.Names];
}
