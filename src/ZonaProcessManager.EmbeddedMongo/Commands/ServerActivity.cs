using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>A command while it runs, as $currentOp lists it.</summary>
public sealed record RunningOperation(long OpId, ConnectionInfo Connection, string Database, BsonDocument Command, DateTime StartedUtc, string? UserId);

/// <summary>A logical session the server has seen (by its lsid), as $listLocalSessions lists it.</summary>
public sealed record SessionRecord(BsonValue Id, string? UserId, DateTime LastUseUtc);

/// <summary>
/// What the server is doing: the commands in progress and the logical sessions in use. Commands register while they
/// run; sessions are remembered from their last command until endSessions or the session timeout, as MongoDB's
/// in-memory session cache.
/// </summary>
public sealed class ServerActivity
{
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<long, RunningOperation> operations = new();
    private readonly ConcurrentDictionary<string, SessionRecord> sessions = new();
    private long lastOpId;

    public IEnumerable<RunningOperation> Operations => operations.Values;

    public IEnumerable<SessionRecord> Sessions => sessions.Values;

    public RunningOperation Begin(ConnectionInfo connection, string database, BsonDocument command, string? userId)
    {
        var operation = new RunningOperation(Interlocked.Increment(ref lastOpId), connection, database, command, DateTime.UtcNow, userId);
        operations[operation.OpId] = operation;
        return operation;
    }

    public void End(RunningOperation operation) => operations.TryRemove(operation.OpId, out _);

    public void TouchSession(string sessionKey, BsonValue id, string? userId) => sessions[sessionKey] = new SessionRecord(id, userId, DateTime.UtcNow);

    public void EndSession(string sessionKey) => sessions.TryRemove(sessionKey, out _);

    /// <summary>Forgets sessions unused for the session timeout, as MongoDB's logical session cache does.</summary>
    public void ExpireSessions()
    {
        var cutoff = DateTime.UtcNow - SessionTimeout;
        foreach (var (key, session) in sessions)
        {
            if (session.LastUseUtc < cutoff)
            {
                sessions.TryRemove(key, out _);
            }
        }
    }

    /// <summary>MongoDB's session uid: the SHA-256 of the owning user's name ("user@db"), of nothing without authentication.</summary>
    public static BsonBinaryData SessionUid(string? userId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes(userId ?? "")), BsonBinarySubType.Binary);
}
