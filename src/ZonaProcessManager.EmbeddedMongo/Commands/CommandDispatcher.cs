using System.Collections.Frozen;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.Auth;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// Routes a command body to its handler by lower-cased name and turns every outcome into a MongoDB reply:
/// errors become {ok: 0, errmsg, code, codeName}; every reply carries operationTime and $clusterTime.
/// </summary>
public static class CommandDispatcher
{
    private static readonly FrozenSet<string> RetryableWriteCommands = new[] { "insert", "update", "delete", "findandmodify" }.ToFrozenSet();

    /// <summary>Commands that exist only with <see cref="EmbeddedMongoOptions.EnableTestCommands"/>.</summary>
    private static readonly FrozenSet<string> TestCommands = new[] { "configurefailpoint" }.ToFrozenSet();

    /// <summary>Commands that take a write concern, so failCommand's writeConcernError can be added to their replies.</summary>
    private static readonly FrozenSet<string> WriteConcernCommands = new[]
    {
        "insert", "update", "delete", "findandmodify", "create", "drop", "createindexes", "dropindexes", "deleteindexes", "collmod",
        "renamecollection", "dropdatabase", "createuser", "updateuser", "dropuser", "grantrolestouser", "revokerolesfromuser",
        "committransaction", "aborttransaction",
    }.ToFrozenSet();

    private static readonly FrozenDictionary<string, CommandHandler> Handlers = new Dictionary<string, CommandHandler>
    {
        ["hello"] = HandshakeCommands.Hello,
        ["ismaster"] = HandshakeCommands.Hello,
        ["ping"] = HandshakeCommands.Ping,
        ["buildinfo"] = HandshakeCommands.BuildInfo,
        ["getparameter"] = HandshakeCommands.GetParameter,
        ["getcmdlineopts"] = HandshakeCommands.GetCmdLineOpts,
        ["getlog"] = HandshakeCommands.GetLog,
        ["hostinfo"] = HandshakeCommands.HostInfo,
        ["serverstatus"] = HandshakeCommands.ServerStatus,
        ["connectionstatus"] = HandshakeCommands.ConnectionStatus,
        ["whatsmyuri"] = HandshakeCommands.WhatsMyUri,
        ["endsessions"] = HandshakeCommands.EndSessions,
        ["killallsessions"] = HandshakeCommands.Acknowledge,
        ["refreshsessions"] = HandshakeCommands.Acknowledge,
        ["startsession"] = HandshakeCommands.StartSession,
        ["getlasterror"] = HandshakeCommands.GetLastError,
        ["committransaction"] = HandshakeCommands.CommitTransaction,
        ["aborttransaction"] = HandshakeCommands.AbortTransaction,
        ["listdatabases"] = DatabaseCommands.ListDatabases,
        ["dbstats"] = DatabaseCommands.DbStats,
        ["collstats"] = DatabaseCommands.CollStats,
        ["dropdatabase"] = DatabaseCommands.DropDatabase,
        ["listcollections"] = CollectionCommands.ListCollections,
        ["create"] = CollectionCommands.Create,
        ["collmod"] = CollectionCommands.CollMod,
        ["drop"] = CollectionCommands.Drop,
        ["renamecollection"] = CollectionCommands.RenameCollection,
        ["createindexes"] = IndexCommands.CreateIndexes,
        ["listindexes"] = IndexCommands.ListIndexes,
        ["dropindexes"] = IndexCommands.DropIndexes,
        ["deleteindexes"] = IndexCommands.DropIndexes,
        ["insert"] = WriteCommands.Insert,
        ["update"] = WriteCommands.Update,
        ["delete"] = WriteCommands.Delete,
        ["findandmodify"] = FindAndModifyCommand.Execute,
        ["find"] = ReadCommands.Find,
        ["getmore"] = ReadCommands.GetMore,
        ["killcursors"] = ReadCommands.KillCursors,
        ["count"] = ReadCommands.Count,
        ["distinct"] = ReadCommands.Distinct,
        ["aggregate"] = AggregateCommand.Execute,
        ["currentop"] = CollectionlessSources.CurrentOpCommand,
        ["explain"] = ExplainCommand.Execute,
        ["saslstart"] = AuthCommands.SaslStart,
        ["saslcontinue"] = AuthCommands.SaslContinue,
        ["logout"] = AuthCommands.Logout,
        ["createuser"] = AuthCommands.CreateUser,
        ["updateuser"] = AuthCommands.UpdateUser,
        ["dropuser"] = AuthCommands.DropUser,
        ["usersinfo"] = AuthCommands.UsersInfo,
        ["grantrolestouser"] = AuthCommands.GrantRolesToUser,
        ["revokerolesfromuser"] = AuthCommands.RevokeRolesFromUser,
        ["configurefailpoint"] = FailPointCommands.ConfigureFailPoint,
    }.ToFrozenDictionary();

    public static IEnumerable<string> CommandNames => Handlers.Keys;

    public static async ValueTask<BsonDocument> DispatchAsync(ServerContext server, ConnectionInfo connection, BsonDocument body, string? fallbackDatabase, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, IReadOnlyList<byte[]>>? encodedSequences = null)
    {
        BsonDocument reply;
        RunningOperation? operation = null;
        StatementClock.Begin();
        try
        {
            if (body.ElementCount == 0)
            {
                throw MongoError.FailedToParse("empty command");
            }

            var database = body.TryGetValue("$db", out var db) && db is BsonString name ? name.Value : fallbackDatabase ?? "admin";
            var commandName = body.GetElement(0).Name;
            if (!Handlers.TryGetValue(commandName.ToLowerInvariant(), out var handler)
                || (TestCommands.Contains(commandName.ToLowerInvariant()) && !server.Options.EnableTestCommands))
            {
                throw MongoError.CommandNotFound(commandName);
            }

            Authorization.Check(server, connection.State, commandName.ToLowerInvariant(), database, body);
            CommandOptions.Check(commandName.ToLowerInvariant(), body);
            if (!server.Options.RequireAuthentication)
            {
                // Without authentication a connection that speaks is as established as it gets.
                connection.State.MarkEstablished();
            }

            if (server.FailCommand.IsArmed)
            {
                var probe = new CommandContext(server, connection, database, body, cancellationToken);
                if (server.FailCommand.BeforeCommand(probe) is { } failure)
                {
                    await FailAsync(server, probe, failure, cancellationToken);
                }
            }

            var sessionKey = RetryableWriteCache.SessionKeyOf(body);
            var userId = server.Options.RequireAuthentication && connection.State.CurrentUser(server.Users) is { } user ? $"{user.User}@{user.Db}" : null;
            if (sessionKey is not null && commandName.ToLowerInvariant() != "endsessions")
            {
                server.Activity.TouchSession(sessionKey, body["lsid"]["id"], userId);
            }

            operation = server.Activity.Begin(connection, database, body, userId);
            var inTransaction = body.TryGetValue("autocommit", out var autocommit) && !autocommit.ToBoolean();
            var transaction = inTransaction ? await JoinTransactionAsync(server, body, sessionKey, cancellationToken) : null;
            var retryable = !inTransaction && RetryableWriteCommands.Contains(commandName.ToLowerInvariant()) ? RetryableWriteCache.WriteOf(body, database, sessionKey) : null;
            var context = new CommandContext(server, connection, database, body, cancellationToken) { Transaction = transaction, SessionKey = sessionKey, EncodedSequences = encodedSequences, Retryable = retryable };
            reply = retryable is null
                ? await handler(context)
                : await server.RetryableWrites.RunOnceAsync(retryable, () => handler(context).AsTask());
            if (server.FailCommand.IsArmed && WriteConcernCommands.Contains(commandName.ToLowerInvariant()) && reply.GetValue("ok", 1).ToDouble() != 0
                && server.FailCommand.WriteConcernErrorFor(context) is { } writeConcernError)
            {
                reply = WithWriteConcernError(context, reply, writeConcernError);
            }
        }
        catch (CloseConnectionRequested)
        {
            throw;
        }
        catch (MongoError error)
        {
            reply = ErrorReply(error);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reply = ErrorReply(new MongoError(91, "ShutdownInProgress", "The server is shutting down", null, ["ResumableChangeStreamError"]));
        }
        catch (Exception exception) when (exception is InvalidCastException or FormatException or ArgumentException or InvalidOperationException or OverflowException or KeyNotFoundException)
        {
            // Malformed command fields surface from MongoDB.Bson as cast/format errors: the client gets a clear error, the server carries on.
            reply = ErrorReply(MongoError.BadValue($"invalid command: {exception.Message}"));
        }
        catch (Exception exception)
        {
            server.Log($"command {body.GetElement(0).Name} failed unexpectedly: {exception}");
            reply = ErrorReply(new MongoError(1, "InternalError", $"internal error: {exception.Message}"));
        }
        finally
        {
            if (operation is not null)
            {
                server.Activity.End(operation);
            }
        }

        return Stamp(server, reply);
    }

    /// <summary>Starts the session's transaction (startTransaction: true) or finds the one its txnNumber names.</summary>
    private static async Task<StoreTransaction> JoinTransactionAsync(ServerContext server, BsonDocument body, string? sessionKey, CancellationToken cancellationToken)
    {
        if (sessionKey is null || !body.TryGetValue("txnNumber", out var txnValue) || !txnValue.IsNumeric)
        {
            throw MongoError.InvalidOptions("a transaction needs lsid and txnNumber");
        }

        var txnNumber = txnValue.ToInt64();
        if (body.GetValue("startTransaction", false).ToBoolean())
        {
            server.AbortTransaction(sessionKey);
            var started = await server.Store.BeginTransactionAsync(cancellationToken);
            server.Transactions[sessionKey] = (txnNumber, started);
            return started;
        }

        if (server.Transactions.TryGetValue(sessionKey, out var entry) && entry.TxnNumber == txnNumber)
        {
            return entry.Transaction;
        }

        throw StoreTransaction.NoSuchTransaction();
    }

    private const string NonResumableLabel = "NonResumableChangeStreamError";

    /// <summary>ChangeStreamFatalError and ChangeStreamHistoryLost: resuming the same stream can only fail again.</summary>
    private static readonly int[] NonResumableChangeStreamCodes = [280, 286];

    /// <summary>
    /// What the failCommand fail point asks of a command it fired for, in mongod's order: wait blockTimeMS, then close
    /// the connection, or fail with errorCode. Labels are the fail point's errorLabels when given (exactly those),
    /// otherwise the ones mongod would attach to that code for this command.
    /// </summary>
    private static async Task FailAsync(ServerContext server, CommandContext command, BsonDocument failure, CancellationToken cancellationToken)
    {
        if (failure.GetValue("blockConnection", false).ToBoolean())
        {
            if (!failure.TryGetValue("blockTimeMS", out var blockTime) || !blockTime.IsNumeric)
            {
                throw MongoError.InvalidOptions("must specify 'blockTimeMS' when 'blockConnection' is true");
            }

            if (blockTime.ToDouble() < 0)
            {
                throw MongoError.InvalidOptions("'blockTimeMS' must be non-negative");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(blockTime.ToInt64()), server.Options.Time, cancellationToken);
        }

        if (failure.GetValue("closeConnection", false).ToBoolean())
        {
            throw new CloseConnectionRequested();
        }

        if (failure.GetValue("errorCode", BsonNull.Value) is { IsNumeric: true } errorCode && errorCode.ToInt32() != 0)
        {
            var code = errorCode.ToInt32();
            IReadOnlyList<string> labels = failure.GetValue("errorLabels", BsonNull.Value) is BsonArray given
                ? given.OfType<BsonString>().Select(label => label.Value).ToList()
                : ErrorLabels.For(command, code);
            throw new MongoError(code, ErrorLabels.CodeName(code), FailCommandFailPoint.FailureMessage, failure.GetValue("errorExtraInfo", BsonNull.Value) as BsonDocument, labels);
        }
    }

    private static BsonDocument WithWriteConcernError(CommandContext command, BsonDocument reply, BsonDocument writeConcernError)
    {
        // A copy: a retryable write's reply is also its recorded answer to retries, which must not carry this error.
        var withError = reply.DeepClone().AsBsonDocument;
        withError["writeConcernError"] = writeConcernError.DeepClone();
        int? code = writeConcernError.GetValue("code", BsonNull.Value) is { IsNumeric: true } number ? number.ToInt32() : null;
        if (ErrorLabels.For(command, null, code) is { Count: > 0 } labels)
        {
            withError["errorLabels"] = new BsonArray(labels);
        }

        return withError;
    }

    public static BsonDocument ErrorReply(MongoError error)
    {
        var reply = new BsonDocument { { "ok", 0.0 }, { "errmsg", error.Message }, { "code", error.Code }, { "codeName", error.CodeName } };
        if (error.ExtraFields is not null)
        {
            reply.Merge(error.ExtraFields, overwriteExistingElements: false);
        }

        // MongoDB labels every reply with an error of its NonResumableChangeStreamError category, whichever command failed.
        var labels = NonResumableChangeStreamCodes.Contains(error.Code) && !error.ErrorLabels.Contains(NonResumableLabel)
            ? [.. error.ErrorLabels, NonResumableLabel]
            : error.ErrorLabels;
        if (labels.Count > 0)
        {
            reply["errorLabels"] = new BsonArray(labels);
        }

        return reply;
    }

    private static BsonDocument Stamp(ServerContext server, BsonDocument reply)
    {
        if (!reply.Contains("ok"))
        {
            reply["ok"] = 1.0;
        }

        var clusterTime = server.Store.ClusterTime;
        reply["$clusterTime"] = new BsonDocument
        {
            { "clusterTime", clusterTime },
            { "signature", new BsonDocument { { "hash", new BsonBinaryData(new byte[20]) }, { "keyId", 0L } } },
        };
        reply["operationTime"] = clusterTime;
        return reply;
    }
}

public delegate ValueTask<BsonDocument> CommandHandler(CommandContext context);

/// <summary>Thrown when the failCommand fail point asks for the connection to be closed without a reply.</summary>
public sealed class CloseConnectionRequested() : Exception("the failCommand fail point closes this connection");
