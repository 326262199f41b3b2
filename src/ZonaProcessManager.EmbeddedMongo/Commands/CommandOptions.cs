using System.Collections.Frozen;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// The fields each query or write command accepts, checked before the command runs so that no option is read and
/// dropped: a field MongoDB 7.0 knows but this server does not implement answers 238 NotImplemented naming it, a field
/// MongoDB 7.0 does not know answers 40415 as from MongoDB's strict command parser. A silently ignored option (a
/// collation, a min/max bound) would give a different answer than MongoDB without any error.
/// </summary>
public static class CommandOptions
{
    /// <summary>Fields any command may carry: the target database, sessions, transactions, concerns, API version, tracing.</summary>
    private static readonly FrozenSet<string> Generic = new[]
    {
        "$db", "lsid", "txnNumber", "autocommit", "startTransaction", "stmtId", "stmtIds", "$clusterTime", "$readPreference",
        "readConcern", "writeConcern", "maxTimeMS", "comment", "apiVersion", "apiStrict", "apiDeprecationErrors", "$client",
        "$audit", "mayBypassWriteBlocking", "$configTime", "$topologyTime", "databaseVersion", "shardVersion",
    }.ToFrozenSet();

    private sealed record Table(FrozenSet<string> Supported, FrozenSet<string> NotImplemented, string? StatementsField = null,
        FrozenSet<string>? StatementSupported = null, FrozenSet<string>? StatementNotImplemented = null);

    // Result-neutral options are supported even where nothing is done with them: hint (a plan choice), allowDiskUse,
    // noCursorTimeout, allowPartialResults (sharding), readOnce, oplogReplay (ignored by MongoDB since 4.4).
    private static readonly FrozenDictionary<string, Table> Tables = new Dictionary<string, Table>
    {
        ["find"] = new(
            Set("find", "filter", "projection", "sort", "skip", "limit", "batchSize", "singleBatch", "hint", "tailable", "awaitData", "noCursorTimeout",
                "allowPartialResults", "allowDiskUse", "readOnce", "oplogReplay", "collation", "let"),
            Set("min", "max", "returnKey", "showRecordId", "term", "$_requestResumeToken", "$_resumeAfter")),
        ["aggregate"] = new(
            Set("aggregate", "pipeline", "cursor", "explain", "allowDiskUse", "hint", "bypassDocumentValidation", "collation", "let"),
            Set("$_requestResumeToken", "isMapReduceCommand", "fromMongos", "needsMerge", "exchange")),
        ["count"] = new(Set("count", "query", "skip", "limit", "hint", "collation", "fields"), Set()),
        // distinct takes a hint only from MongoDB 7.1 on.
        ["distinct"] = new(Set("distinct", "key", "query", "collation"), Set()),
        ["findandmodify"] = new(
            Set("findAndModify", "findandmodify", "query", "sort", "remove", "update", "new", "fields", "upsert", "bypassDocumentValidation",
                "arrayFilters", "hint", "collation", "let"),
            Set()),
        ["insert"] = new(Set("insert", "documents", "ordered", "bypassDocumentValidation"), Set()),
        ["update"] = new(
            Set("update", "updates", "ordered", "bypassDocumentValidation", "let"), Set(), "updates",
            Set("q", "u", "upsert", "multi", "arrayFilters", "hint", "collation", "c", "upsertSupplied"), Set()),
        ["delete"] = new(
            Set("delete", "deletes", "ordered", "let"), Set(), "deletes",
            Set("q", "limit", "hint", "collation"), Set()),
        ["createindexes"] = new(Set("createIndexes", "indexes", "commitQuorum"), Set()),
    }.ToFrozenDictionary();

    /// <summary>Refuses any field of <paramref name="body"/> that the command <paramref name="commandName"/> (lower case) would not act on.</summary>
    public static void Check(string commandName, BsonDocument body)
    {
        if (!Tables.TryGetValue(commandName, out var table))
        {
            return;
        }

        var command = body.GetElement(0).Name;
        for (var i = 1; i < body.ElementCount; i++)
        {
            Check(table.Supported, table.NotImplemented, command, body.GetElement(i).Name);
        }

        if (table.StatementsField is { } field && body.TryGetValue(field, out var statements) && statements is BsonArray array)
        {
            foreach (var statement in array.OfType<BsonDocument>())
            {
                foreach (var element in statement)
                {
                    Check(table.StatementSupported!, table.StatementNotImplemented!, $"{command}.{field}", element.Name);
                }
            }
        }
    }

    private static void Check(FrozenSet<string> supported, FrozenSet<string> notImplemented, string owner, string name)
    {
        if (supported.Contains(name) || Generic.Contains(name))
        {
            return;
        }

        if (notImplemented.Contains(name))
        {
            throw NotImplemented($"{owner}.{name}");
        }

        throw new MongoError(40415, "Location40415", $"BSON field '{owner}.{name}' is an unknown field.");
    }

    /// <summary>238 NotImplemented for a feature MongoDB has and this server does not, named so the user knows what to change.</summary>
    public static MongoError NotImplemented(string feature) =>
        new(238, "NotImplemented", $"'{feature}' is not supported by the embedded ZonaProcessManager server");

    private static FrozenSet<string> Set(params string[] names) => names.ToFrozenSet();
}
