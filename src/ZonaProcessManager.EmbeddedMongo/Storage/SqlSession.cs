using Microsoft.Data.Sqlite;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// One SQLite connection that keeps its prepared statements for reuse. Preparing a statement costs more than running
/// the small statements a single-document write or an _id lookup consists of, and those run the same few statement
/// texts over and over. Not thread-safe: a session is used by one thread at a time (the writer under the write lock,
/// a reader while it is checked out of the pool).
/// </summary>
internal sealed class SqlSession : IDisposable
{
    // Statement texts embed table names, so the set grows with collections and indexes; past this many the cache starts over.
    private const int MaxCachedStatements = 256;
    private readonly Dictionary<string, SqliteCommand> statements = new(StringComparer.Ordinal);

    public SqlSession(SqliteConnection connection)
    {
        Connection = connection;
    }

    public SqliteConnection Connection { get; }

    /// <summary>
    /// Starts a write transaction with a kept statement (SqliteConnection.BeginTransaction prepares BEGIN and COMMIT anew
    /// each time). IMMEDIATE, as BeginTransaction does, so the write lock is taken up front.
    /// </summary>
    public void Begin()
    {
        Execute(null, "BEGIN IMMEDIATE");
        StatementsSinceBegin = 0;
    }

    public void Commit() => Execute(null, "COMMIT");

    /// <summary>Statements run since the last <see cref="Begin"/>; zero means the open transaction has changed nothing yet.</summary>
    public long StatementsSinceBegin { get; private set; }

    /// <summary>The rowid of the row the last successful INSERT on this connection added.</summary>
    public long LastInsertRowId => SQLitePCL.raw.sqlite3_last_insert_rowid(Connection.Handle);

    /// <summary>Undoes everything since <see cref="Begin"/> and begins again, keeping the write lock's place in line.</summary>
    public void Restart()
    {
        RollbackIfOpen();
        Begin();
    }

    /// <summary>False once the transaction ended, also when SQLite rolled it back by itself after an error.</summary>
    public bool InTransaction => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    /// <summary>Rolls back whatever is open; SQLite may already have rolled back by itself after some errors.</summary>
    public void RollbackIfOpen()
    {
        if (InTransaction)
        {
            Execute(null, "ROLLBACK");
        }
    }

    public object? Scalar(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        Run(transaction, sql, parameters, static command => command.ExecuteScalar());

    public int Execute(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        Run(transaction, sql, parameters, static command => command.ExecuteNonQuery());

    public List<T> Query<T>(SqliteTransaction? transaction, string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters) =>
        Run(transaction, sql, parameters, command =>
        {
            using var reader = command.ExecuteReader();
            var results = new List<T>();
            while (reader.Read())
            {
                results.Add(map(reader));
            }

            return results;
        });

    private TResult Run<TResult>(SqliteTransaction? transaction, string sql, (string Name, object? Value)[] parameters, Func<SqliteCommand, TResult> execute)
    {
        if (!statements.Remove(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
        }

        // Taken out of the cache while it runs, so a nested use of the same text (none exists today) gets its own command
        // instead of disturbing an open reader.
        try
        {
            command.Transaction = transaction;
            Bind(command.Parameters, parameters);
            StatementsSinceBegin++;
            var result = execute(command);
            if (IsSchemaChange(sql))
            {
                command.Dispose();
            }
            else
            {
                Keep(sql, command);
            }

            return result;
        }
        catch
        {
            // A failed statement (constraint, dropped table, schema change) is not trusted for reuse.
            command.Dispose();
            throw;
        }
    }

    // A kept statement is run with the same parameter names every time, so its parameter objects are kept too and only
    // their values change; building new ones per run showed up in the profile of single-document writes.
    private static void Bind(SqliteParameterCollection bound, (string Name, object? Value)[] parameters)
    {
        if (bound.Count == parameters.Length)
        {
            var same = true;
            for (var i = 0; i < parameters.Length && same; i++)
            {
                same = bound[i].ParameterName == parameters[i].Name;
            }

            if (same)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    bound[i].Value = parameters[i].Value ?? DBNull.Value;
                }

                return;
            }
        }

        bound.Clear();
        foreach (var (name, value) in parameters)
        {
            bound.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    // DDL runs rarely and names tables that may be gone next time; keeping it would only crowd out the hot statements.
    private static bool IsSchemaChange(string sql) =>
        sql.StartsWith("CREATE ", StringComparison.Ordinal) || sql.StartsWith("DROP ", StringComparison.Ordinal) || sql.StartsWith("ALTER ", StringComparison.Ordinal);

    private void Keep(string sql, SqliteCommand command)
    {
        if (statements.Count >= MaxCachedStatements)
        {
            DisposeStatements();
        }

        if (!statements.TryAdd(sql, command))
        {
            command.Dispose();
        }
    }

    private void DisposeStatements()
    {
        foreach (var command in statements.Values)
        {
            command.Dispose();
        }

        statements.Clear();
    }

    public void Dispose()
    {
        DisposeStatements();
        Connection.Dispose();
    }
}
