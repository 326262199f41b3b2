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
    /// Documents matching <paramref name="filter"/>, in storage order. Uses the _id key or a secondary index whose every field
    /// the filter pins by equality, so such lookups do not scan the collection; every candidate is re-checked by the filter.
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

    private IEnumerable<StoredDocument> Candidates(CollectionMeta collection, Filter filter)
    {
        var equalities = filter.EqualityPaths;
        if (equalities.Count > 0)
        {
            if (equalities.TryGetValue("_id", out var id) && id.BsonType is not (BsonType.Array or BsonType.RegularExpression))
            {
                var found = FindById(collection, id);
                return found is null ? [] : [found];
            }

            foreach (var index in collection.Indexes)
            {
                if (index.IsIdIndex)
                {
                    continue;
                }

                var key = IndexKeys.LookupKey(index, equalities);
                if (key is not null)
                {
                    return GuardedList(() => Sql.Query(Transaction,
                        $"SELECT d.rid, d.doc FROM {collection.DocumentTable} d WHERE d.rid IN (SELECT rid FROM {CollectionMeta.IndexTable(index)} WHERE key = $k) ORDER BY d.rid",
                        ReadStored, ("$k", key)));
                }
            }
        }

        return All(collection);
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
