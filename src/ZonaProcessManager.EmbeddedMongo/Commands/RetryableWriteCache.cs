using System.Collections.Concurrent;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

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

/// <summary>A retryable write as the dispatcher identified it: the session, its txnNumber, and which write that is.</summary>
public sealed record RetryableWrite(string SessionKey, long TxnNumber, string Command, string Namespace);

/// <summary>Thrown inside a write transaction when another execution of the same retryable write recorded it first; undoes this one.</summary>
public sealed class RetryableWriteRaceException() : Exception("another execution of this retryable write committed first");
