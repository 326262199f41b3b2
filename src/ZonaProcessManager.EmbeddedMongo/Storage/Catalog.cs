using System.Collections.Immutable;
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

/// <summary>A collection: its tables are named after <see cref="Id"/>, so rename only touches the catalog row.</summary>
public sealed record CollectionMeta(long Id, string Database, string Name, Guid Uuid, BsonDocument Options, ImmutableList<IndexMeta> Indexes)
{
    public string Namespace => $"{Database}.{Name}";
    public string DocumentTable => $"docs_{Id}";
    public static string IndexTable(IndexMeta index) => $"ix_{index.Id}";
}

/// <summary>An immutable snapshot of all collections; writers publish a new one on commit, readers never lock.</summary>
public sealed record Catalog(ImmutableDictionary<string, CollectionMeta> ByNamespace)
{
    public static readonly Catalog Empty = new(ImmutableDictionary<string, CollectionMeta>.Empty);

    public CollectionMeta? Find(string database, string collection) =>
        ByNamespace.GetValueOrDefault($"{database}.{collection}");

    public IEnumerable<CollectionMeta> InDatabase(string database) =>
        ByNamespace.Values.Where(c => c.Database == database).OrderBy(c => c.Name, StringComparer.Ordinal);

    public IEnumerable<string> Databases => ByNamespace.Values.Select(c => c.Database).Distinct().Order(StringComparer.Ordinal);

    public Catalog With(CollectionMeta collection) => new(ByNamespace.SetItem(collection.Namespace, collection));

    public Catalog Without(CollectionMeta collection) => new(ByNamespace.Remove(collection.Namespace));
}
