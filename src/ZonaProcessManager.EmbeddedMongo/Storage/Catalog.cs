using System.Collections.Immutable;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

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
