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
    public RetryableWriteCache RetryableWrites { get; } = new();
    public UserStore Users { get; } = new(store);
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

/// <summary>One client connection as commands see it.</summary>
public sealed record ConnectionInfo(long Id, string RemoteAddress)
{
    /// <summary>Who the connection is authenticated as, shared by all its commands.</summary>
    public ConnectionState State { get; init; } = new();
}

/// <summary>One command invocation.</summary>
public sealed record CommandContext(ServerContext Server, ConnectionInfo Connection, string Database, BsonDocument Body, CancellationToken CancellationToken)
{
    /// <summary>The session's open transaction when the command carries autocommit: false.</summary>
    public StoreTransaction? Transaction { get; init; }

    /// <summary>The lsid.id of the command, when it has one.</summary>
    public string? SessionKey { get; init; }

    /// <summary>The client's bytes of the documents that came as OP_MSG document sequences (see <see cref="Wire.WireRequest"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<byte[]>>? EncodedSequences { get; init; }

    /// <summary>The client's encoding of <paramref name="field"/>[<paramref name="index"/>] when it came in a document sequence, else null.</summary>
    public byte[]? EncodedDocument(string field, int index) =>
        EncodedSequences is { } sequences && sequences.TryGetValue(field, out var documents) && index < documents.Count ? documents[index] : null;

    /// <summary>The catalog this command sees: the transaction's own when inside one.</summary>
    public Catalog Catalog => Transaction?.Catalog ?? Store.Catalog;

    /// <summary>Runs a write in the session's transaction, or in a transaction of its own.</summary>
    public T Write<T>(Func<WriteScope, T> work) => Transaction is { } transaction ? transaction.Run(work) : Store.Write(work);

    /// <summary>Reads inside the session's transaction (seeing its own writes), or from the last committed state.</summary>
    public T Read<T>(Func<ReadScope, T> work) => Transaction is { } transaction ? transaction.Run(work) : Store.Read(work);

    public string CommandName => Body.GetElement(0).Name;
    public BsonValue CommandValue => Body[0];
    public MongoStore Store => Server.Store;

    /// <summary>The collection named by the command's first field, e.g. find: "users".</summary>
    public string CollectionName
    {
        get
        {
            if (CommandValue is not BsonString name || name.Value.Length == 0)
            {
                throw new MongoError(73, "InvalidNamespace", $"collection name has invalid type {CommandValue.BsonType.ToString().ToLowerInvariant()}");
            }

            return name.Value;
        }
    }

    public BsonDocument? OptionalDocument(string field) =>
        Body.TryGetValue(field, out var value) && !value.IsBsonNull
            ? value as BsonDocument ?? throw MongoError.TypeMismatch($"BSON field '{CommandName}.{field}' is the wrong type '{value.BsonType.ToString().ToLowerInvariant()}', expected type 'object'")
            : null;

    public bool Flag(string field, bool fallback = false) =>
        Body.TryGetValue(field, out var value) && !value.IsBsonNull ? value.ToBoolean() : fallback;

    public long? OptionalNumber(string field)
    {
        if (!Body.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            return null;
        }

        return value.IsNumeric ? value.ToInt64() : throw MongoError.TypeMismatch($"BSON field '{CommandName}.{field}' is the wrong type '{value.BsonType.ToString().ToLowerInvariant()}', expected a number");
    }
}

/// <summary>
/// Remembers the reply of each retryable write (lsid, txnNumber) for a while, so a driver retrying after a network error
/// gets the first outcome instead of having its write applied twice.
/// </summary>
public sealed class RetryableWriteCache
{
    /// <summary>
    /// Like MongoDB's one transaction record per session (config.transactions): a driver only ever retries its latest
    /// write, and a session runs one operation at a time. Keeping the last two leaves room for a retry that arrives after
    /// the session's next write started; keeping every reply grew without bound under a steady write load.
    /// </summary>
    private const int RepliesKeptPerSession = 2;

    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);
    private readonly ConcurrentDictionary<string, SessionWrites> sessions = new();

    /// <summary>Replies held for possible retries, over all sessions.</summary>
    public int CachedReplyCount => sessions.Values.Sum(session => session.Count);

    /// <param name="sessionKey">The command's <see cref="SessionKeyOf"/>, which the dispatcher has already computed.</param>
    public static string? KeyOf(BsonDocument body, string database, string? sessionKey)
    {
        if (sessionKey is null || !body.TryGetValue("txnNumber", out var txnNumber))
        {
            return null;
        }

        // The command and collection are part of the key: a pooled server session reused by a different operation with a
        // repeated txnNumber is not a retry of the earlier one.
        return $"{database}|{sessionKey}|{txnNumber.ToInt64()}|{body.GetElement(0).Name}|{body[0]}";
    }

    /// <summary>
    /// The session's id as a dictionary key. Drivers send a UUID: its hex is cheap, where rendering it as JSON cost every
    /// command a JSON writer (0.5 % of an operator's CPU). The prefix keeps it apart from any other id type's JSON.
    /// </summary>
    public static string? SessionKeyOf(BsonDocument body) =>
        body.TryGetValue("lsid", out var lsid) && lsid is BsonDocument session && session.TryGetValue("id", out var id) ? SessionKeyOfId(id) : null;

    /// <summary>The key of the session whose lsid.id is <paramref name="id"/> (endSessions names sessions this way).</summary>
    public static string SessionKeyOfId(BsonValue id) =>
        id is BsonBinaryData binary ? $"bin:{(int)binary.SubType}:{Convert.ToHexString(binary.Bytes)}" : id.ToJson();

    /// <summary>Runs <paramref name="write"/> unless this session already ran the write <paramref name="key"/> names; then its reply is returned again.</summary>
    public async Task<BsonDocument> RunOnceAsync(string sessionKey, string key, Func<Task<BsonDocument>> write)
    {
        var session = sessions.GetOrAdd(sessionKey, _ => new SessionWrites());
        await session.Gate.WaitAsync();
        try
        {
            session.Touch();
            if (session.Find(key) is { } cached)
            {
                return (BsonDocument)cached.DeepClone();
            }

            var reply = await write();
            // Handler replies carry ok only when they fail; the dispatcher stamps ok: 1 later.
            if (reply.GetValue("ok", 1).ToDouble() == 1)
            {
                session.Remember(key, (BsonDocument)reply.DeepClone());
            }

            return reply;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>Forgets sessions idle for longer than the server's logical session timeout.</summary>
    public void Expire()
    {
        var cutoff = DateTime.UtcNow - Lifetime;
        foreach (var (key, session) in sessions)
        {
            if (session.LastUsedUtc < cutoff)
            {
                sessions.TryRemove(key, out _);
            }
        }
    }

    /// <summary>One session's latest write replies; everything but <see cref="LastUsedUtc"/> is used under <see cref="Gate"/>.</summary>
    private sealed class SessionWrites
    {
        private readonly LinkedList<(string Key, BsonDocument Reply)> _recent = new();
        private long _lastUsedTicks = DateTime.UtcNow.Ticks;
        private int _count;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public DateTime LastUsedUtc => new(Interlocked.Read(ref _lastUsedTicks), DateTimeKind.Utc);

        public int Count => Volatile.Read(ref _count);

        public void Touch() => Interlocked.Exchange(ref _lastUsedTicks, DateTime.UtcNow.Ticks);

        public BsonDocument? Find(string key) => _recent.FirstOrDefault(entry => entry.Key == key).Reply;

        public void Remember(string key, BsonDocument reply)
        {
            _recent.AddFirst((key, reply));
            while (_recent.Count > RepliesKeptPerSession)
            {
                _recent.RemoveLast();
            }

            Volatile.Write(ref _count, _recent.Count);
        }
    }
}
