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

    /// <summary>Set by the dispatcher when this command is a retryable write (lsid and txnNumber, no transaction).</summary>
    public RetryableWrite? Retryable { get; init; }

    /// <summary>Runs a write in the session's transaction, or in a transaction of its own.</summary>
    public T Write<T>(Func<WriteScope, T> work) => Transaction is { } transaction ? transaction.Run(work) : Store.Write(work);

    /// <summary>
    /// A write whose result is the command's reply. For a retryable write the reply is recorded with the write, in the same
    /// transaction, so that a retry is answered from it even after a crash (see <see cref="RetryableWriteCache"/>).
    /// </summary>
    public BsonDocument WriteReply(Func<WriteScope, BsonDocument> work)
    {
        if (Retryable is not { } retryable || Transaction is not null)
        {
            return Write(work);
        }

        return Store.Write(scope =>
        {
            var reply = work(scope);
            if (!scope.TryRecordRetryableWrite(retryable.SessionKey, retryable.TxnNumber, retryable.Command, retryable.Namespace, reply))
            {
                throw new RetryableWriteRaceException();
            }

            return reply;
        });
    }

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

/// <summary>A retryable write as the dispatcher identified it: the session, its txnNumber, and which write that is.</summary>
public sealed record RetryableWrite(string SessionKey, long TxnNumber, string Command, string Namespace);

/// <summary>Thrown inside a write transaction when another execution of the same retryable write recorded it first; undoes this one.</summary>
public sealed class RetryableWriteRaceException() : Exception("another execution of this retryable write committed first");

/// <summary>
/// Answers retryable writes (lsid + txnNumber) as MongoDB does: a retry of the session's latest write gets the first
/// reply without running again, an older txnNumber is refused (225 TransactionTooOld), and a txnNumber reused for a
/// different write is an error. The record itself is durable: the handler writes it with the write, in the same SQLite
/// transaction (<see cref="CommandContext.WriteReply"/>), so this holds across a crash. In memory each session keeps
/// its latest record (loaded from the store the first time a session is seen after start) and a gate that runs its
/// writes one at a time.
/// </summary>
public sealed class RetryableWriteCache(Func<string, RetryableWriteRecord?>? load = null)
{
    /// <summary>How long a session's record is kept after its write: MongoDB's logicalSessionTimeoutMinutes.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<string, SessionWrites> sessions = new();

    /// <summary>Replies held in memory for possible retries, over all sessions.</summary>
    public int CachedReplyCount => sessions.Values.Count(session => session.Record is not null);

    /// <summary>The retryable write a command names, or null when it has no lsid or no txnNumber.</summary>
    /// <param name="sessionKey">The command's <see cref="SessionKeyOf"/>, which the dispatcher has already computed.</param>
    public static RetryableWrite? WriteOf(BsonDocument body, string database, string? sessionKey)
    {
        if (sessionKey is null || !body.TryGetValue("txnNumber", out var txnNumber))
        {
            return null;
        }

        if (!txnNumber.IsNumeric)
        {
            throw MongoError.TypeMismatch($"BSON field 'txnNumber' is the wrong type '{txnNumber.BsonType.ToString().ToLowerInvariant()}', expected type 'long'");
        }

        return new RetryableWrite(sessionKey, txnNumber.ToInt64(), body.GetElement(0).Name.ToLowerInvariant(), $"{database}.{body[0]}");
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

    /// <summary>
    /// Runs <paramref name="execute"/> unless the session already ran <paramref name="write"/>; then the recorded reply is
    /// returned again. <paramref name="execute"/> must record the write in its transaction (<see cref="CommandContext.WriteReply"/>).
    /// </summary>
    public async Task<BsonDocument> RunOnceAsync(RetryableWrite write, Func<Task<BsonDocument>> execute)
    {
        var session = sessions.GetOrAdd(write.SessionKey, _ => new SessionWrites());
        await session.Gate.WaitAsync();
        try
        {
            session.Touch();
            if (!session.Loaded)
            {
                session.Record = load?.Invoke(write.SessionKey);
                session.Loaded = true;
            }

            if (Answer(write, session.Record) is { } answered)
            {
                return answered;
            }

            BsonDocument reply;
            try
            {
                reply = await execute();
            }
            catch (RetryableWriteRaceException)
            {
                // Only reachable if two gates existed for one session (expiry racing a new command): the committed record wins.
                session.Record = load?.Invoke(write.SessionKey);
                return Answer(write, session.Record) ?? throw new MongoError(112, "WriteConflict", "a concurrent execution of this retryable write interfered; retry it");
            }

            // Handler replies carry ok only when they fail; the dispatcher stamps ok: 1 later.
            if (reply.GetValue("ok", 1).ToDouble() == 1)
            {
                session.Record = new RetryableWriteRecord(write.TxnNumber, write.Command, write.Namespace, (BsonDocument)reply.DeepClone());
            }

            return reply;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>The reply (or error) for <paramref name="write"/> given the session's latest record; null when the write is new and must run.</summary>
    private static BsonDocument? Answer(RetryableWrite write, RetryableWriteRecord? record)
    {
        if (record is null || write.TxnNumber > record.TxnNumber)
        {
            return null;
        }

        if (write.TxnNumber < record.TxnNumber)
        {
            throw new MongoError(225, "TransactionTooOld",
                $"Retryable write with txnNumber {write.TxnNumber} is prohibited on session {write.SessionKey} because a newer retryable write with txnNumber {record.TxnNumber} has already started on this session.");
        }

        if (write.Command != record.Command || write.Namespace != record.Namespace)
        {
            throw Incompatible(write, record);
        }

        return (BsonDocument)record.Reply.DeepClone();
    }

    // MongoDB checks a retried update or findAndModify against the operation its txnNumber recorded, with these codes;
    // for insert and delete it has no such check and would report the statement as done, which here would hand back
    // another command's reply, so those get IncompleteTransactionHistory, its code for a retry it cannot answer.
    private static MongoError Incompatible(RetryableWrite write, RetryableWriteRecord record)
    {
        var previous = $"{record.Command} on {record.Namespace}";
        return write.Command switch
        {
            "update" => MongoError.Location(40638,
                $"update retry request is not compatible with previous write in the transaction of type: {previous}, txnNumber: {record.TxnNumber}"),
            "findandmodify" => MongoError.Location(40606,
                $"findAndModify retry request on {write.Namespace} is not compatible with previous write in the transaction of type: {previous}, txnNumber: {record.TxnNumber}"),
            _ => new MongoError(217, "IncompleteTransactionHistory",
                $"{write.Command} on {write.Namespace} with txnNumber {write.TxnNumber} is not a retry of the write that txnNumber recorded on this session ({previous})"),
        };
    }

    /// <summary>Forgets in memory the sessions idle for longer than <see cref="Lifetime"/>; the store prunes its rows alike.</summary>
    public void Expire()
    {
        var cutoff = DateTime.UtcNow - Lifetime;
        foreach (var entry in sessions)
        {
            // A session with a write running keeps its gate, so one session never has two.
            if (entry.Value.LastUsedUtc < cutoff && entry.Value.Gate.CurrentCount == 1)
            {
                sessions.TryRemove(entry);
            }
        }
    }

    /// <summary>One session's latest write; <see cref="Record"/> and <see cref="Loaded"/> are used under <see cref="Gate"/>.</summary>
    private sealed class SessionWrites
    {
        private long _lastUsedTicks = DateTime.UtcNow.Ticks;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool Loaded { get; set; }

        public RetryableWriteRecord? Record { get; set; }

        public DateTime LastUsedUtc => new(Interlocked.Read(ref _lastUsedTicks), DateTimeKind.Utc);

        public void Touch() => Interlocked.Exchange(ref _lastUsedTicks, DateTime.UtcNow.Ticks);
    }
}
