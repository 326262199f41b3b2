using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>The document being updated (a private copy) and what the update needs to resolve positional paths.</summary>
internal sealed class UpdateContext(BsonDocument document, int? positionalIndex, bool isUpsertInsert)
{
    public BsonDocument Document { get; } = document;
    public int? PositionalIndex { get; } = positionalIndex;
    public bool IsUpsertInsert { get; } = isUpsertInsert;
    public DateTime Now { get; } = DateTime.UtcNow;
}
