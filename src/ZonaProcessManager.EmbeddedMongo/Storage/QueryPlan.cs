namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// How candidates are found: one index (the _id key or a secondary index, possibly on a leading run of its fields), a
/// union of index lookups for a top-level $or, or a scan of every document. Candidates are re-checked by the filter.
/// </summary>
public sealed record QueryPlan(string Stage, IReadOnlyList<string> IndexNames, IEnumerable<StoredDocument> Candidates)
{
    public const string IndexScan = "IXSCAN";
    public const string Or = "OR";
    public const string CollectionScan = "COLLSCAN";
}
