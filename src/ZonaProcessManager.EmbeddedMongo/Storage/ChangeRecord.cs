using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// One committed change, as journalled in the same SQLite transaction as the data change. <see cref="Event"/> holds
/// operationType, ns, documentKey, fullDocument, fullDocumentBeforeChange, updateDescription and to, as applicable.
/// </summary>
public sealed record ChangeRecord(long Sequence, long Timestamp, long WallMilliseconds, string Database, string? Collection, BsonDocument Event);

/// <summary>A stored document and the SQLite row that holds it.</summary>
public sealed record StoredDocument(long RowId, BsonDocument Document);
