using System.Collections.Immutable;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>A collection: its tables are named after <see cref="Id"/>, so rename only touches the catalog row.</summary>
public sealed record CollectionMeta(long Id, string Database, string Name, Guid Uuid, BsonDocument Options, ImmutableList<IndexMeta> Indexes)
{
    public string Namespace => $"{Database}.{Name}";

    /// <summary>A view (created with viewOn and pipeline): it has no documents of its own and refuses writes.</summary>
    public bool IsView => Options.Contains("viewOn");
    public string DocumentTable => $"docs_{Id}";
    public static string IndexTable(IndexMeta index) => $"ix_{index.Id}";
}
