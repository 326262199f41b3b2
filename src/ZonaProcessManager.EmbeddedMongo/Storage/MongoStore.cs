using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using ZonaProcessManager.EmbeddedMongo.Query;
using ZonaProcessManager.EmbeddedMongo.Validation;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// The durable store: one SQLite file (WAL, synchronous=FULL) holding the catalog, one table per collection, one per
/// secondary index, and the change journal. All writes go through one writer connection under one lock (SQLite is
/// single-writer anyway), and concurrent writes through <see cref="WriteAsync"/> share commits; reads use pooled
/// connections and see the last committed state.
/// </summary>
public sealed class MongoStore : IDisposable
{
    public const string FileName = "zpm-mongo.db";
    private const string FormatMarker = "zpm-embedded-mongo/1";

    private static readonly TimeSpan WriterWait = TimeSpan.FromSeconds(70);
    private readonly SemaphoreSlim writerGate = new(1, 1);
    private readonly object pendingGate = new();
    private List<PendingWrite> pendingWrites = [];
    private bool leading;
    private long groupCommits;
    private long groupedWrites;
    // Idle readers kept open with their prepared statements; more concurrent reads than this open extra connections.
    private const int MaxIdleReaders = 8;
    private readonly SqlSession writer;
    private readonly string readerConnectionString;
    private readonly ConcurrentBag<SqlSession> idleReaders = [];
    private readonly FileStream directoryLock;
    private readonly ConditionalWeakTable<BsonDocument, DocumentValidator> validators = new();
    private readonly ConditionalWeakTable<BsonDocument, Filter> partialFilters = new();
    private Catalog catalog = Catalog.Empty;
    private long lastTimestamp;
    private bool disposed;

    private MongoStore(SqlSession writer, string readerConnectionString, FileStream directoryLock)
    {
        this.writer = writer;
        this.readerConnectionString = readerConnectionString;
        this.directoryLock = directoryLock;
    }

    public CommitSignal Commits { get; } = new();

    /// <summary>Group commits that reached the disk since the store opened (each one transaction and one sync).</summary>
    public long GroupCommitCount => Interlocked.Read(ref groupCommits);

    /// <summary>Writes those group commits carried, the failed ones included: over <see cref="GroupCommitCount"/> it is the mean group size.</summary>
    public long GroupedWriteCount => Interlocked.Read(ref groupedWrites);

    public Catalog Catalog => Volatile.Read(ref catalog);

    /// <summary>Cluster time of the last committed change, or the current second when nothing was ever written.</summary>
    public BsonTimestamp ClusterTime
    {
        get
        {
            var last = Interlocked.Read(ref lastTimestamp);
            return new BsonTimestamp(last != 0 ? last : DateTimeOffset.UtcNow.ToUnixTimeSeconds() << 32);
        }
    }

    /// <summary>Opens (or creates) the store; a corrupt or foreign file gives a clear error and nothing is changed.</summary>
    public static MongoStore Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.GetFullPath(Path.Combine(dataDirectory, FileName));
        FileStream directoryLock;
        try
        {
            directoryLock = new FileStream(Path.Combine(dataDirectory, "zpm-mongo.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new InvalidOperationException($"data directory {dataDirectory} is already in use by another embedded server ({exception.Message})", exception);
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var writer = new SqlSession(new SqliteConnection(builder.ToString()));
        try
        {
            writer.Connection.Open();
            var check = Scalar(writer, null, "PRAGMA quick_check") as string;
            if (check != "ok")
            {
                throw new InvalidOperationException($"data file {path} failed its integrity check ({check}); refusing to start so that no data is lost. Restore it from a backup or move it away.");
            }

            Execute(writer, null, "PRAGMA journal_mode=WAL");
            Execute(writer, null, "PRAGMA synchronous=FULL");
            Execute(writer, null, "PRAGMA foreign_keys=OFF");
            var store = new MongoStore(writer, new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString(), directoryLock);
            store.InitializeSchema(path);
            Execute(writer, null, RetryableWrites.CreateTable);
            store.LoadCatalog();
            store.lastTimestamp = Convert.ToInt64(Scalar(writer, null, "SELECT COALESCE(MAX(ts), 0) FROM changes"));
            store.Commits.Publish(Convert.ToInt64(Scalar(writer, null, "SELECT COALESCE(MAX(seq), 0) FROM changes")));
            return store;
        }
        catch (SqliteException exception)
        {
            writer.Dispose();
            directoryLock.Dispose();
            throw new InvalidOperationException($"data file {path} cannot be opened as an embedded MongoDB store: {exception.Message}; refusing to start so that no data is lost.", exception);
        }
        catch
        {
            writer.Dispose();
            directoryLock.Dispose();
            throw;
        }
    }

    private void InitializeSchema(string path)
    {
        var tables = Convert.ToInt64(Scalar(writer, null, "SELECT COUNT(*) FROM sqlite_master WHERE type='table'"));
        if (tables > 0)
        {
            var hasMeta = Convert.ToInt64(Scalar(writer, null, "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='meta'")) > 0;
            var format = hasMeta ? Scalar(writer, null, "SELECT value FROM meta WHERE key='format'") as string : null;
            if (format != FormatMarker)
            {
                throw new InvalidOperationException($"data file {path} is not an embedded MongoDB store of format {FormatMarker} (found {format ?? "none"}); refusing to touch it.");
            }

            return;
        }

        using var transaction = writer.Connection.BeginTransaction();
        Execute(writer, transaction, """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value) ;
            CREATE TABLE catalog(id INTEGER PRIMARY KEY, db TEXT NOT NULL, name TEXT NOT NULL, uuid BLOB NOT NULL, options BLOB NOT NULL, UNIQUE(db, name));
            CREATE TABLE indexes(id INTEGER PRIMARY KEY, coll_id INTEGER NOT NULL, spec BLOB NOT NULL);
            CREATE TABLE changes(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, wall INTEGER NOT NULL, db TEXT NOT NULL, coll TEXT, event BLOB NOT NULL);
            CREATE INDEX changes_ts ON changes(ts);
            INSERT INTO meta(key, value) VALUES ('pruned_seq', 0), ('pruned_ts', 0);
            """);
        Execute(writer, transaction, "INSERT INTO meta(key, value) VALUES ('format', $f)", ("$f", FormatMarker));
        transaction.Commit();
    }

    private void LoadCatalog()
    {
        var indexesByCollection = new Dictionary<long, List<IndexMeta>>();
        using (var command = writer.Connection.CreateCommand())
        {
            command.CommandText = "SELECT id, coll_id, spec FROM indexes ORDER BY id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var index = new IndexMeta(reader.GetInt64(0), Deserialize((byte[])reader[2]));
                var collectionId = reader.GetInt64(1);
                if (!indexesByCollection.TryGetValue(collectionId, out var list))
                {
                    indexesByCollection[collectionId] = list = [];
                }

                list.Add(index);
            }
        }

        var loaded = Catalog.Empty;
        using (var command = writer.Connection.CreateCommand())
        {
            command.CommandText = "SELECT id, db, name, uuid, options FROM catalog";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetInt64(0);
                loaded = loaded.With(new CollectionMeta(id, reader.GetString(1), reader.GetString(2), new Guid((byte[])reader[3]),
                    Deserialize((byte[])reader[4]), [.. indexesByCollection.GetValueOrDefault(id) ?? []]));
            }
        }

        catalog = loaded;
    }

    /// <summary>Runs <paramref name="work"/> in one SQLite transaction under the writer lock; commits, then wakes change streams.</summary>
    public T Write<T>(Func<WriteScope, T> work)
    {
        if (!writerGate.Wait(WriterWait))
        {
            throw new MongoError(112, "WriteConflict", "the write lock stayed held by an open transaction; retry the write", null, ["TransientTransactionError"]);
        }

        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            writer.Begin();
            T result;
            WriteScope scope;
            try
            {
                scope = new WriteScope(this, writer, null, Catalog, lastTimestamp);
                result = work(scope);
                writer.Commit();
            }
            catch
            {
                writer.RollbackIfOpen();
                throw;
            }

            Publish(scope);
            return result;
        }
        finally
        {
            writerGate.Release();
        }
    }

    /// <summary>
    /// Group commit: runs <paramref name="work"/> in one SQLite transaction with whatever other writes are waiting, so
    /// concurrent writers share one commit and one disk sync. Each write runs under its own savepoint, so one that fails
    /// (a duplicate key, a validator) leaves no trace and fails alone. The task completes only after the shared commit is
    /// durable; a write that failed hears of it then too, so a caller never learns of its failure before earlier writes
    /// are durable. Writes run, and their change events are journalled, in the order they arrived, except that a
    /// <paramref name="bulk"/> write (many statements) goes after the small writes waiting with it and commits alone: a
    /// single-document write (a status, a lease renewal) waits for at most one bulk write, never for a queue of them.
    /// Only concurrent writes change places, and those have no order a client could rely on.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<WriteScope, T> work, bool bulk = false)
    {
        var write = new PendingWrite<T>(work) { Bulk = bulk };
        bool lead;
        lock (pendingGate)
        {
            pendingWrites.Add(write);
            lead = !leading;
            leading = true;
        }

        if (lead)
        {
            // Runs synchronously up to its first real wait: without contention the caller commits its own write on its
            // own thread, as a plain write would.
            _ = LeadGroupsAsync();
        }

        return write.Task;
    }

    /// <summary>
    /// Commits groups until no write is waiting. One leader at a time; the writes that arrive while a group commits
    /// form the next group: all its small writes, or else its first bulk write (<see cref="TakeGroupLocked"/>).
    /// </summary>
    private async Task LeadGroupsAsync()
    {
        while (true)
        {
            var entered = writerGate.Wait(0) || await writerGate.WaitAsync(WriterWait).ConfigureAwait(false);
            List<PendingWrite> group;
            lock (pendingGate)
            {
                group = TakeGroupLocked();
            }

            if (!entered)
            {
                var conflict = new MongoError(112, "WriteConflict", "the write lock stayed held by an open transaction; retry the write", null, ["TransientTransactionError"]);
                group.ForEach(write => write.Fail(conflict));
            }
            else
            {
                try
                {
                    CommitGroup(group);
                }
                finally
                {
                    writerGate.Release();
                }
            }

            lock (pendingGate)
            {
                if (pendingWrites.Count == 0)
                {
                    leading = false;
                    return;
                }
            }

            // The writes of the group just committed may belong to this thread's caller: let it carry on with its reply
            // and run the next group from the thread pool.
            await Task.Yield();
        }
    }

    /// <summary>
    /// The next group out of the waiting writes: every small one if there are any, else the first bulk one alone; the
    /// rest keep their order and wait for the next round, where small writes that arrived meanwhile go first again.
    /// </summary>
    private List<PendingWrite> TakeGroupLocked()
    {
        var waiting = pendingWrites;
        if (!waiting.Exists(write => write.Bulk))
        {
            pendingWrites = [];
            return waiting;
        }

        var small = waiting.FindAll(write => !write.Bulk);
        if (small.Count > 0)
        {
            pendingWrites = waiting.FindAll(write => write.Bulk);
            return small;
        }

        var first = waiting[0];
        waiting.RemoveAt(0);
        return [first];
    }

    private void CommitGroup(List<PendingWrite> group)
    {
        var succeeded = new List<PendingWrite>(group.Count);
        WriteScope? scope = null;
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            writer.Begin();
            scope = new WriteScope(this, writer, null, Catalog, lastTimestamp);
            foreach (var write in group)
            {
                if (write.Run(scope))
                {
                    succeeded.Add(write);
                }
                else if (!writer.InTransaction)
                {
                    // Some errors (disk full, I/O) make SQLite roll back the whole transaction, and with it the writes
                    // before this one: they fail, and the rest start a fresh transaction.
                    var lost = new MongoError(112, "WriteConflict", "the write was rolled back with its group after a storage error; retry the write", null, ["TransientTransactionError"]);
                    succeeded.ForEach(done => done.Fail(lost));
                    succeeded.Clear();
                    writer.Begin();
                    scope = new WriteScope(this, writer, null, Catalog, lastTimestamp);
                }
            }

            writer.Commit();
        }
        catch (Exception failure)
        {
            try
            {
                writer.RollbackIfOpen();
            }
            catch (Exception rollbackFailure)
            {
                failure = new AggregateException(failure, rollbackFailure);
            }

            // Nothing of the group is durable: every write fails, with its own error if it had one.
            group.ForEach(write => write.Fail(failure));
            return;
        }

        Publish(scope!);
        Interlocked.Increment(ref groupCommits);
        Interlocked.Add(ref groupedWrites, group.Count);
        foreach (var write in group)
        {
            write.Acknowledge();
        }
    }

    /// <summary>
    /// Opens a multi-statement transaction. It holds the single writer until committed or aborted, so other writers wait
    /// (at most the transaction lifetime limit); readers carry on and see the state before the transaction.
    /// </summary>
    public async Task<StoreTransaction> BeginTransactionAsync(CancellationToken cancellationToken)
    {
        if (!await writerGate.WaitAsync(WriterWait, cancellationToken))
        {
            throw new MongoError(112, "WriteConflict", "another transaction holds the write lock; retry the transaction", null, ["TransientTransactionError"]);
        }

        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var transaction = writer.Connection.BeginTransaction();
            return new StoreTransaction(this, transaction, new WriteScope(this, writer, transaction, Catalog, lastTimestamp));
        }
        catch
        {
            writerGate.Release();
            throw;
        }
    }

    internal void Complete(StoreTransaction transaction, bool commit)
    {
        try
        {
            if (commit)
            {
                transaction.Sqlite.Commit();
                Publish(transaction.Scope);
            }
            else
            {
                transaction.Sqlite.Rollback();
            }
        }
        finally
        {
            transaction.Sqlite.Dispose();
            writerGate.Release();
        }
    }

    private void Publish(WriteScope scope)
    {
        Volatile.Write(ref catalog, scope.Catalog);
        Interlocked.Exchange(ref lastTimestamp, scope.LastTimestamp);
        if (scope.JournalledSequence > 0)
        {
            Commits.Publish(scope.JournalledSequence);
        }
    }

    /// <summary>Runs a read on a pooled read-only connection that sees the last committed state.</summary>
    public T Read<T>(Func<ReadScope, T> work)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var reader = RentReader();
        try
        {
            return work(new ReadScope(this, reader, null));
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    private SqlSession RentReader()
    {
        if (idleReaders.TryTake(out var reader))
        {
            return reader;
        }

        var connection = new SqliteConnection(readerConnectionString);
        connection.Open();
        return new SqlSession(connection);
    }

    private void ReturnReader(SqlSession reader)
    {
        if (Volatile.Read(ref disposed) || idleReaders.Count >= MaxIdleReaders)
        {
            reader.Dispose();
            return;
        }

        idleReaders.Add(reader);
        if (Volatile.Read(ref disposed) && idleReaders.TryTake(out var late))
        {
            late.Dispose(); // Dispose ran while this read was in flight and may have missed it.
        }
    }

    public DocumentValidator? ValidatorFor(CollectionMeta collection)
    {
        if (!collection.Options.TryGetValue("validator", out var validator) || validator is not BsonDocument document || document.ElementCount == 0)
        {
            return null;
        }

        return validators.GetValue(document, DocumentValidator.Parse);
    }

    public Filter PartialFilterFor(BsonDocument expression) => partialFilters.GetValue(expression, Filter.Parse);

    /// <summary>Deletes change history older than the retention, always keeping the newest entry so sequences never repeat.</summary>
    public void PruneHistory(TimeSpan retention)
    {
        var cutoff = DateTimeOffset.UtcNow.Add(-retention).ToUnixTimeMilliseconds();
        if (!writerGate.Wait(TimeSpan.Zero))
        {
            return; // a transaction is open: prune on a later round
        }

        try
        {
            if (disposed)
            {
                return;
            }

            using var transaction = writer.Connection.BeginTransaction();
            var row = Query(writer, transaction, "SELECT MAX(seq), MAX(ts) FROM changes WHERE wall < $cutoff AND seq < (SELECT MAX(seq) FROM changes)",
                reader => reader.IsDBNull(0) ? (Seq: 0L, Ts: 0L) : (Seq: reader.GetInt64(0), Ts: reader.GetInt64(1)), ("$cutoff", cutoff)).Single();
            if (row.Seq > 0)
            {
                Execute(writer, transaction, "DELETE FROM changes WHERE seq <= $seq", ("$seq", row.Seq));
                Execute(writer, transaction, "UPDATE meta SET value = $seq WHERE key = 'pruned_seq'", ("$seq", row.Seq));
                Execute(writer, transaction, "UPDATE meta SET value = $ts WHERE key = 'pruned_ts'", ("$ts", row.Ts));
            }

            transaction.Commit();
        }
        finally
        {
            writerGate.Release();
        }
    }

    /// <summary>The session's latest retryable write as committed, or null when it has none (or it was pruned).</summary>
    public RetryableWriteRecord? LoadRetryableWrite(string sessionKey) =>
        Read(scope => RetryableWrites.Load(scope.Sql, sessionKey));

    /// <summary>Forgets retryable writes recorded before <paramref name="cutoff"/>, as MongoDB expires config.transactions with its sessions.</summary>
    public int PruneRetryableWrites(DateTime cutoff)
    {
        if (!writerGate.Wait(TimeSpan.Zero))
        {
            return 0; // a transaction is open: prune on a later round
        }

        try
        {
            return disposed ? 0 : RetryableWrites.Prune(writer, cutoff);
        }
        finally
        {
            writerGate.Release();
        }
    }

    /// <summary>Closes the files. Open transactions must be aborted first; a stuck one is rolled back by closing the connection.</summary>
    public void Dispose()
    {
        var acquired = writerGate.Wait(TimeSpan.FromSeconds(5));
        try
        {
            if (disposed)
            {
                return;
            }

            Volatile.Write(ref disposed, true);
            writer.Dispose();
            while (idleReaders.TryTake(out var reader))
            {
                reader.Dispose();
            }

            directoryLock.Dispose();
        }
        finally
        {
            if (acquired)
            {
                writerGate.Release();
            }
        }
    }

    internal static BsonDocument Deserialize(byte[] bytes) => BsonSerializer.Deserialize<BsonDocument>(bytes);

    internal static object? Scalar(SqlSession session, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        session.Scalar(transaction, sql, parameters);

    internal static int Execute(SqlSession session, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        session.Execute(transaction, sql, parameters);

    internal static List<T> Query<T>(SqlSession session, SqliteTransaction? transaction, string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters) =>
        session.Query(transaction, sql, map, parameters);
}
