using Microsoft.Data.Sqlite;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// The table behind <see cref="RetryableWriteRecord"/>: one row per session, like MongoDB's config.transactions. The row
/// is written in the write's own SQLite transaction, so a write and the record that it happened are durable together:
/// after a kill either both exist (a retry is answered from the row) or neither does (a retry applies the write once).
/// </summary>
internal static class RetryableWrites
{
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS retryable_writes(session TEXT PRIMARY KEY, txn INTEGER NOT NULL, command TEXT NOT NULL,
            ns TEXT NOT NULL, reply BLOB NOT NULL, written INTEGER NOT NULL) WITHOUT ROWID
        """;

    // Only a newer txnNumber replaces the row. When a row with this or a newer txnNumber already exists, another
    // execution of the same write got there first: nothing changes and the caller undoes its write.
    private const string UpsertSql = """
        INSERT INTO retryable_writes(session, txn, command, ns, reply, written) VALUES ($s, $t, $c, $n, $r, $w)
        ON CONFLICT(session) DO UPDATE SET txn = excluded.txn, command = excluded.command, ns = excluded.ns,
            reply = excluded.reply, written = excluded.written
        WHERE excluded.txn > retryable_writes.txn
        """;

    public static bool TryRecord(SqlSession sql, SqliteTransaction? transaction, string sessionKey, long txnNumber, string command, string ns, BsonDocument reply) =>
        sql.Execute(transaction, UpsertSql, ("$s", sessionKey), ("$t", txnNumber), ("$c", command), ("$n", ns), ("$r", reply.ToBson()),
            ("$w", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())) == 1;

    public static RetryableWriteRecord? Load(SqlSession sql, string sessionKey) =>
        sql.Query(null, "SELECT txn, command, ns, reply FROM retryable_writes WHERE session = $s",
            reader => new RetryableWriteRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), MongoStore.Deserialize((byte[])reader[3])),
            ("$s", sessionKey)).FirstOrDefault();

    public static int Prune(SqlSession sql, DateTime cutoff) =>
        sql.Execute(null, "DELETE FROM retryable_writes WHERE written < $cutoff", ("$cutoff", new DateTimeOffset(cutoff).ToUnixTimeMilliseconds()));
}

/// <summary>
/// The latest retryable write of one session as the store keeps it: which write the session's txnNumber named and the
/// reply it got, so a retry, even one arriving after a crash and restart, is answered without applying the write again.
/// </summary>
public sealed record RetryableWriteRecord(long TxnNumber, string Command, string Namespace, BsonDocument Reply);
