using MongoDB.Bson;

namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>The lease document as the store holds it, read with the driver.</summary>
public sealed record LeaseSnapshot(string Id, string? Holder, long Generation, DateTime? ExpiresAt, DateTime? RenewedAt, BsonDocument Document)
{
    /// <summary>Reads the fields the schema documents; a field the document lacks is null (or generation 0).</summary>
    public static LeaseSnapshot From(BsonDocument document) => new(
        document["_id"].ToString()!,
        document.GetValue("holder", BsonNull.Value) is BsonString holder ? holder.Value : null,
        document.GetValue("generation", 0).ToInt64(),
        document.GetValue("expiresAt", BsonNull.Value) is BsonDateTime expires ? expires.ToUniversalTime() : null,
        document.GetValue("renewedAt", BsonNull.Value) is BsonDateTime renewed ? renewed.ToUniversalTime() : null,
        document);

    public override string ToString() => Document.ToJson();
}
