using System.Collections.Concurrent;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Auth;
using ZonaProcessManager.EmbeddedMongo.Cursors;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>Everything one running server shares between its connections. One instance per server; nothing static.</summary>
public sealed class ServerContext(EmbeddedMongoOptions options, string hostAndPort, MongoStore store)
{
    public EmbeddedMongoOptions Options { get; } = options;
    public string HostAndPort { get; } = hostAndPort;
    public MongoStore Store { get; } = store;
    public CursorRegistry Cursors { get; } = new();
    public RetryableWriteCache RetryableWrites { get; } = new(store.LoadRetryableWrite);
    public UserStore Users { get; } = new(store);
    public ServerActivity Activity { get; } = new();

    /// <summary>The failCommand fail point, settable only with test commands enabled.</summary>
    public FailCommandFailPoint FailCommand { get; } = new();
    public DateTime StartedUtc { get; } = DateTime.UtcNow;
    public ObjectId ElectionId { get; } = new("7fffffff0000000000000001");

    /// <summary>Open multi-statement transactions by session id, with the txnNumber that started each.</summary>
    public ConcurrentDictionary<string, (long TxnNumber, StoreTransaction Transaction)> Transactions { get; } = new();

    public static readonly TimeSpan TransactionLifetimeLimit = TimeSpan.FromSeconds(60);

    public void AbortTransaction(string sessionKey)
    {
        if (Transactions.TryRemove(sessionKey, out var entry))
        {
            entry.Transaction.AbortQuietly();
        }
    }

    /// <summary>Aborts transactions older than the lifetime limit, as MongoDB's transactionLifetimeLimitSeconds does, so none holds the writer forever.</summary>
    public void AbortExpiredTransactions()
    {
        var cutoff = DateTime.UtcNow - TransactionLifetimeLimit;
        foreach (var (key, entry) in Transactions)
        {
            if (entry.Transaction.StartedUtc < cutoff)
            {
                AbortTransaction(key);
            }
        }
    }

    public void AbortAllTransactions()
    {
        foreach (var key in Transactions.Keys)
        {
            AbortTransaction(key);
        }
    }

    private long connectionCounter;
    private int openConnections;

    public int OpenConnections => Volatile.Read(ref openConnections);
    public long TotalConnections => Interlocked.Read(ref connectionCounter);

    public long ConnectionOpened()
    {
        Interlocked.Increment(ref openConnections);
        return Interlocked.Increment(ref connectionCounter);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref openConnections);

    public void Log(string message) => Options.Log?.Invoke(message);
}
