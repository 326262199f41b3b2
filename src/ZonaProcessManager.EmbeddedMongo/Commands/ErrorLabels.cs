using System.Collections.Frozen;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.ChangeStreams;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// The error labels mongod 7.0 attaches to an error by its code and the command it answers (its ErrorLabelBuilder),
/// which tell drivers what they may retry or resume, and MongoDB's names of error codes.
/// </summary>
public static class ErrorLabels
{
    public const string RetryableWrite = "RetryableWriteError";
    public const string TransientTransaction = "TransientTransactionError";
    public const string ResumableChangeStream = "ResumableChangeStreamError";
    public const string NonResumableChangeStream = "NonResumableChangeStreamError";

    // MongoDB's error categories (src/mongo/base/error_codes.yml) as far as labels depend on them.
    private static readonly FrozenSet<int> Retriable = new[] { 6, 7, 89, 91, 134, 189, 262, 358, 9001, 10107, 11600, 11602, 13435, 13436, 50915 }.ToFrozenSet();
    private static readonly FrozenSet<int> Network = new[] { 6, 7, 89, 9001 }.ToFrozenSet();
    private static readonly FrozenSet<int> NeedRetargetting = new[] { 63, 150, 13388 }.ToFrozenSet();
    private static readonly FrozenSet<int> Snapshot = new[] { 239, 246, 250, 272 }.ToFrozenSet();
    private static readonly FrozenSet<int> NonResumable = new[] { 280, 286 }.ToFrozenSet();
    private static readonly FrozenSet<string> CommitOrAbort = new[] { "committransaction", "aborttransaction" }.ToFrozenSet();

    private const int WriteConflict = 112;
    private const int LockTimeout = 24;
    private const int PreparedTransactionInProgress = 267;
    private const int NoSuchTransaction = 251;
    private const int RetryChangeStream = 234;
    private const int FailedToSatisfyReadPreference = 133;

    /// <summary>Labels for an error with <paramref name="code"/> (and a write concern error's <paramref name="writeConcernCode"/>) answering <paramref name="command"/>.</summary>
    public static IReadOnlyList<string> For(CommandContext command, int? code, int? writeConcernCode = null)
    {
        var name = command.CommandName.ToLowerInvariant();
        var hasTxnNumber = command.Body.Contains("txnNumber");
        var inTransaction = command.Body.Contains("autocommit");
        var labels = new List<string>();
        if (code is { } transientCode && hasTxnNumber && inTransaction && IsTransient(transientCode, writeConcernCode is not null, CommitOrAbort.Contains(name)))
        {
            labels.Add(TransientTransaction);
        }
        else if (hasTxnNumber && (!inTransaction || CommitOrAbort.Contains(name))
            && ((code is { } c && Retriable.Contains(c)) || (writeConcernCode is { } w && Retriable.Contains(w))))
        {
            labels.Add(RetryableWrite);
        }

        if (labels.Count == 0 && code is { } streamCode && writeConcernCode is null && name is "aggregate" or "getmore"
            && (Retriable.Contains(streamCode) || Network.Contains(streamCode) || NeedRetargetting.Contains(streamCode) || streamCode is RetryChangeStream or FailedToSatisfyReadPreference)
            && IsChangeStream(command))
        {
            labels.Add(ResumableChangeStream);
        }
        else if (code is { } fatal && NonResumable.Contains(fatal))
        {
            labels.Add(NonResumableChangeStream);
        }

        return labels;
    }

    private static bool IsTransient(int code, bool hasWriteConcernError, bool isCommitOrAbort)
    {
        if (code is WriteConflict or LockTimeout or PreparedTransactionInProgress || Snapshot.Contains(code) || NeedRetargetting.Contains(code))
        {
            return true;
        }

        return isCommitOrAbort
            ? code == NoSuchTransaction && !hasWriteConcernError
            : Retriable.Contains(code) || code == NoSuchTransaction;
    }

    private static bool IsChangeStream(CommandContext command)
    {
        if (command.CommandName.Equals("getMore", StringComparison.OrdinalIgnoreCase))
        {
            return command.CommandValue.IsNumeric && command.Server.Cursors.Find(command.CommandValue.ToInt64()) is ChangeStreamCursor;
        }

        return command.Body.GetValue("pipeline", BsonNull.Value) is BsonArray { Count: > 0 } pipeline
            && pipeline[0] is BsonDocument first && first.Contains("$changeStream");
    }

    /// <summary>MongoDB's name for <paramref name="code"/>; codes without a name here are reported as mongod reports unnamed ones, "Location&lt;code&gt;".</summary>
    public static string CodeName(int code) => CodeNames.TryGetValue(code, out var name) ? name : $"Location{code}";

    private static readonly FrozenDictionary<int, string> CodeNames = new Dictionary<int, string>
    {
        [1] = "InternalError",
        [2] = "BadValue",
        [4] = "NoSuchKey",
        [6] = "HostUnreachable",
        [7] = "HostNotFound",
        [8] = "UnknownError",
        [9] = "FailedToParse",
        [11] = "UserNotFound",
        [13] = "Unauthorized",
        [14] = "TypeMismatch",
        [18] = "AuthenticationFailed",
        [20] = "IllegalOperation",
        [24] = "LockTimeout",
        [26] = "NamespaceNotFound",
        [27] = "IndexNotFound",
        [43] = "CursorNotFound",
        [48] = "NamespaceExists",
        [50] = "MaxTimeMSExpired",
        [59] = "CommandNotFound",
        [63] = "OBSOLETE_StaleShardVersion",
        [64] = "WriteConcernTimeout",
        [67] = "CannotCreateIndex",
        [72] = "InvalidOptions",
        [73] = "InvalidNamespace",
        [79] = "UnknownReplWriteConcern",
        [85] = "IndexOptionsConflict",
        [86] = "IndexKeySpecsConflict",
        [89] = "NetworkTimeout",
        [90] = "CallbackCanceled",
        [91] = "ShutdownInProgress",
        [96] = "OperationFailed",
        [100] = "UnsatisfiableWriteConcern",
        [112] = "WriteConflict",
        [115] = "CommandNotSupported",
        [121] = "DocumentValidationFailure",
        [125] = "CommandFailed",
        [133] = "FailedToSatisfyReadPreference",
        [134] = "ReadConcernMajorityNotAvailableYet",
        [136] = "CappedPositionLost",
        [150] = "StaleEpoch",
        [175] = "QueryPlanKilled",
        [189] = "PrimarySteppedDown",
        [202] = "NetworkInterfaceExceededTimeLimit",
        [211] = "KeyNotFound",
        [217] = "IncompleteTransactionHistory",
        [222] = "CloseChangeStream",
        [224] = "QueryFeatureNotAllowed",
        [225] = "TransactionTooOld",
        [234] = "RetryChangeStream",
        [237] = "CursorKilled",
        [238] = "NotImplemented",
        [239] = "SnapshotTooOld",
        [246] = "SnapshotUnavailable",
        [250] = "StaleChunkHistory",
        [251] = "NoSuchTransaction",
        [256] = "TransactionCommitted",
        [257] = "TransactionTooLarge",
        [260] = "InvalidResumeToken",
        [262] = "ExceededTimeLimit",
        [263] = "OperationNotSupportedInTransaction",
        [266] = "FailPointSetFailed",
        [267] = "PreparedTransactionInProgress",
        [272] = "MigrationConflict",
        [279] = "ClientDisconnect",
        [280] = "ChangeStreamFatalError",
        [286] = "ChangeStreamHistoryLost",
        [290] = "TransactionExceededLifetimeLimitSeconds",
        [334] = "MechanismUnavailable",
        [358] = "InternalTransactionNotSupported",
        [9001] = "SocketException",
        [10107] = "NotWritablePrimary",
        [11000] = "DuplicateKey",
        [11600] = "InterruptedAtShutdown",
        [11601] = "Interrupted",
        [11602] = "InterruptedDueToReplStateChange",
        [13388] = "StaleConfig",
        [13435] = "NotPrimaryNoSecondaryOk",
        [13436] = "NotPrimaryOrSecondary",
        [40413] = "IDLDuplicateField",
        [40414] = "IDLFailedToParse",
        [40415] = "IDLUnknownField",
        [50915] = "BackupCursorOpenConflictWithCheckpoint",
    }.ToFrozenDictionary();
}
