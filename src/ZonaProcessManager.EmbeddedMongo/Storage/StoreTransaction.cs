using Microsoft.Data.Sqlite;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// A multi-statement transaction of one session: every statement runs in the same SQLite transaction; commit makes all
/// of them (and their change events) visible at once, abort leaves no trace.
/// </summary>
public sealed class StoreTransaction
{
    private readonly MongoStore store;
    private readonly object gate = new();
    private bool finished;

    internal StoreTransaction(MongoStore store, SqliteTransaction sqlite, WriteScope scope)
    {
        this.store = store;
        Sqlite = sqlite;
        Scope = scope;
    }

    internal SqliteTransaction Sqlite { get; }
    internal WriteScope Scope { get; }

    public DateTime StartedUtc { get; } = DateTime.UtcNow;

    /// <summary>The catalog as this transaction sees it, including collections it created.</summary>
    public Catalog Catalog => Scope.Catalog;

    public T Run<T>(Func<WriteScope, T> work)
    {
        lock (gate)
        {
            if (finished)
            {
                throw NoSuchTransaction();
            }

            return Scope.Atomically(() => work(Scope));
        }
    }

    public void Commit() => Finish(commit: true);

    public void Abort() => Finish(commit: false);

    /// <summary>Aborts unless already finished; for timeouts, endSessions and shutdown.</summary>
    public void AbortQuietly()
    {
        lock (gate)
        {
            if (!finished)
            {
                finished = true;
                store.Complete(this, commit: false);
            }
        }
    }

    private void Finish(bool commit)
    {
        lock (gate)
        {
            if (finished)
            {
                throw NoSuchTransaction();
            }

            finished = true;
            store.Complete(this, commit);
        }
    }

    public static MongoError NoSuchTransaction() =>
        new(251, "NoSuchTransaction", "Transaction has been aborted or has already finished.", null, ["TransientTransactionError"]);
}
