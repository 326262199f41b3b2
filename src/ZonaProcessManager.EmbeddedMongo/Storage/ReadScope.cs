using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>Queries against one SQLite connection (a pooled reader, or the writer inside a write transaction).</summary>
public class ReadScope
{
    private const int SqliteError = 1;

    internal ReadScope(MongoStore store, SqlSession sql, SqliteTransaction? transaction)
    {
        Store = store;
        Sql = sql;
        Transaction = transaction;
    }

    public MongoStore Store { get; }
    internal SqlSession Sql { get; }
    protected SqliteTransaction? Transaction { get; }

    /// <summary>
    /// Documents matching <paramref name="filter"/>, in storage order. Uses the _id key, a secondary index (all its fields or
    /// a leading run of them pinned by equality), or one such lookup per branch of a top-level $or, so such lookups do not
    /// scan the collection; every candidate is re-checked by the filter.
    /// </summary>
    public List<StoredDocument> Find(CollectionMeta collection, Filter filter, int limit = int.MaxValue)
    {
        var candidates = Candidates(collection, filter);
        var matches = new List<StoredDocument>();
        foreach (var candidate in candidates)
        {
            if (filter.Matches(candidate.Document))
            {
                matches.Add(candidate);
                if (matches.Count >= limit)
                {
                    break;
                }
            }
        }

        return matches;
    }

    public List<StoredDocument> All(CollectionMeta collection) =>
        GuardedList(() => Sql.Query(Transaction, $"SELECT rid, doc FROM {collection.DocumentTable} ORDER BY rid", ReadStored));

    /// <summary>
    /// Every document in storage order, as its stored bytes (a <see cref="RawBsonDocument"/> over them): for a find that
    /// returns documents unchanged, which then neither decodes them nor encodes them again for the reply.
    /// </summary>
    public List<BsonDocument> AllAsStored(CollectionMeta collection, int limit = int.MaxValue) =>
        GuardedList(() => Sql.Query(Transaction, $"SELECT doc FROM {collection.DocumentTable} ORDER BY rid LIMIT $limit",
            reader => (BsonDocument)new RawBsonDocument((byte[])reader[0]), ("$limit", limit)));

    public long Count(CollectionMeta collection) =>
        GuardedValue(() => Convert.ToInt64(Sql.Scalar(Transaction, $"SELECT COUNT(*) FROM {collection.DocumentTable}")));

    public long DataSize(CollectionMeta collection) =>
        GuardedValue(() => Convert.ToInt64(Sql.Scalar(Transaction, $"SELECT COALESCE(SUM(LENGTH(doc)), 0) FROM {collection.DocumentTable}")));

    public StoredDocument? FindById(CollectionMeta collection, BsonValue id) =>
        GuardedSingle(() => Sql.Query(Transaction, $"SELECT rid, doc FROM {collection.DocumentTable} WHERE idkey = $k", ReadStored,
            ("$k", KeyEncoder.Encode(id))).FirstOrDefault());

    /// <summary>Documents whose key in a single-field index lies in [from, to): the TTL sweeper's range scan.</summary>
    public List<StoredDocument> RangeOnIndex(CollectionMeta collection, IndexMeta index, byte[] from, byte[] to) =>
        GuardedList(() => Sql.Query(Transaction,
            $"SELECT DISTINCT d.rid, d.doc FROM {CollectionMeta.IndexTable(index)} x JOIN {collection.DocumentTable} d ON d.rid = x.rid WHERE x.key >= $from AND x.key < $to",
            ReadStored, ("$from", from), ("$to", to)));

    /// <summary>Change journal entries after <paramref name="afterSequence"/> up to <paramref name="throughSequence"/>, oldest first.</summary>
    public List<ChangeRecord> ReadChanges(long afterSequence, long throughSequence, string? database, string? collection, int limit) =>
        Sql.Query(Transaction,
            "SELECT seq, ts, wall, db, coll, event FROM changes WHERE seq > $after AND seq <= $through AND ($db IS NULL OR db = $db) AND ($coll IS NULL OR coll IS NULL OR coll = $coll) ORDER BY seq LIMIT $limit",
            reader => new ChangeRecord(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), MongoStore.Deserialize((byte[])reader[5])),
            ("$after", afterSequence), ("$through", throughSequence), ("$db", database), ("$coll", collection), ("$limit", limit));

    public long LastSequence() => Convert.ToInt64(Sql.Scalar(Transaction, "SELECT COALESCE(MAX(seq), 0) FROM changes"));

    /// <summary>(sequence, timestamp) of the newest change pruned by retention; zero when nothing was pruned.</summary>
    public (long Sequence, long Timestamp) PrunedThrough() =>
        (Convert.ToInt64(Sql.Scalar(Transaction, "SELECT value FROM meta WHERE key = 'pruned_seq'")),
         Convert.ToInt64(Sql.Scalar(Transaction, "SELECT value FROM meta WHERE key = 'pruned_ts'")));

    /// <summary>The sequence just before the first change at or after <paramref name="timestamp"/>.</summary>
    public long SequenceBefore(long timestamp) =>
        Convert.ToInt64(Sql.Scalar(Transaction,
            "SELECT COALESCE((SELECT MIN(seq) FROM changes WHERE ts >= $ts) - 1, (SELECT COALESCE(MAX(seq), 0) FROM changes))", ("$ts", timestamp)));

    private IEnumerable<StoredDocument> Candidates(CollectionMeta collection, Filter filter) => Plan(collection, filter).Candidates;

    /// <summary>How a query on <paramref name="filter"/> finds its candidates, for the query itself and for explain.</summary>
    public QueryPlan Plan(CollectionMeta collection, Filter filter)
    {
        if (IndexedCandidates(collection, filter.EqualityPaths) is { } single)
        {
            return new QueryPlan(QueryPlan.IndexScan, [single.IndexName], single.Documents);
        }

        if (UnionOfBranches(collection, filter.OrBranches) is { } union)
        {
            return new QueryPlan(QueryPlan.Or, union.IndexNames, union.Documents);
        }

        return new QueryPlan(QueryPlan.CollectionScan, [], All(collection));
    }

    /// <summary>
    /// A $or whose every branch can use the _id key or an index: the union of the branches' lookups in storage order
    /// (MongoDB's OR plan). One branch that needs a scan makes the whole $or a scan, as in MongoDB.
    /// </summary>
    private (List<string> IndexNames, List<StoredDocument> Documents)? UnionOfBranches(
        CollectionMeta collection, IReadOnlyList<IReadOnlyDictionary<string, BsonValue>> branches)
    {
        if (branches.Count == 0)
        {
            return null;
        }

        var union = new SortedDictionary<long, StoredDocument>();
        var indexNames = new List<string>();
        foreach (var branch in branches)
        {
            if (IndexedCandidates(collection, branch) is not { } lookup)
            {
                return null;
            }

            indexNames.Add(lookup.IndexName);
            foreach (var document in lookup.Documents)
            {
                union.TryAdd(document.RowId, document);
            }
        }

        return (indexNames, [.. union.Values]);
    }

    /// <summary>
    /// Documents that may match given what the query pins by equality: the _id key, an index whose every field is
    /// pinned, else the index with the longest pinned leading run of fields (a range scan on its key prefix). Null when
    /// no index helps.
    /// </summary>
    private (string IndexName, List<StoredDocument> Documents)? IndexedCandidates(CollectionMeta collection, IReadOnlyDictionary<string, BsonValue> equalities)
    {
        if (equalities.Count == 0)
        {
            return null;
        }

        if (equalities.TryGetValue("_id", out var id) && id.BsonType is not (BsonType.Array or BsonType.RegularExpression))
        {
            var found = FindById(collection, id);
            return (IndexMeta.IdIndexName, found is null ? [] : [found]);
        }

        (IndexMeta Index, KeyPrefix Prefix)? best = null;
        foreach (var index in collection.Indexes)
        {
            if (index.IsIdIndex || IndexKeys.LookupPrefix(index, equalities) is not { } prefix)
            {
                continue;
            }

            if (prefix.Fields == index.Fields.Count)
            {
                return (index.Name, GuardedList(() => Sql.Query(Transaction,
                    $"SELECT d.rid, d.doc FROM {collection.DocumentTable} d WHERE d.rid IN (SELECT rid FROM {CollectionMeta.IndexTable(index)} WHERE key = $k) ORDER BY d.rid",
                    ReadStored, ("$k", prefix.Bytes))));
            }

            if (best is null || prefix.Fields > best.Value.Prefix.Fields)
            {
                best = (index, prefix);
            }
        }

        if (best is not { } range)
        {
            return null;
        }

        var upper = range.Prefix.UpperBound();
        (string, object?)[] bounds = upper is null ? [("$from", range.Prefix.Bytes)] : [("$from", range.Prefix.Bytes), ("$to", upper)];
        var bounded = upper is null ? "" : " AND key < $to";
        return (range.Index.Name, GuardedList(() => Sql.Query(Transaction,
            $"SELECT d.rid, d.doc FROM {collection.DocumentTable} d WHERE d.rid IN (SELECT rid FROM {CollectionMeta.IndexTable(range.Index)} WHERE key >= $from{bounded}) ORDER BY d.rid",
            ReadStored, bounds)));
    }

    protected static StoredDocument ReadStored(SqliteDataReader reader) =>
        new(reader.GetInt64(0), MongoStore.Deserialize((byte[])reader[1]));

    /// <summary>A reader may hold a catalog snapshot whose collection a concurrent writer just dropped: that reads as empty.</summary>
    protected static List<T> GuardedList<T>(Func<List<T>> read)
    {
        try
        {
            return read();
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode == SqliteError && exception.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return [];
        }
    }

    protected static T GuardedValue<T>(Func<T> read) where T : struct
    {
        try
        {
            return read();
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode == SqliteError && exception.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return default;
        }
    }

    private static T? GuardedSingle<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode == SqliteError && exception.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return null;
        }
    }
}
