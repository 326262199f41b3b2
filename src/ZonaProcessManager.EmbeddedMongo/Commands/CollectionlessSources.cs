using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.Auth;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// The first stages of a database-level aggregate (<c>aggregate: 1</c>) that produce documents without a collection:
/// $documents, $currentOp (admin only) and $listLocalSessions.
/// </summary>
public static class CollectionlessSources
{
    public static readonly string[] StageNames = ["$documents", "$currentOp", "$listLocalSessions"];

    private static readonly HashSet<string> CurrentOpFields = ["allUsers", "idleConnections", "idleCursors", "idleSessions", "localOps", "backtrace", "truncateOps"];

    public static IEnumerable<BsonDocument> Produce(CommandContext context, string stage, BsonValue spec) => stage switch
    {
        "$documents" => Documents(spec),
        "$currentOp" => CurrentOp(context, spec),
        "$listLocalSessions" => ListLocalSessions(context, spec),
        _ => throw new InvalidOperationException($"{stage} is not a collectionless source"),
    };

    /// <summary>The error for a collectionless stage opening a collection's pipeline, as MongoDB words it.</summary>
    public static MongoError NeedsAggregateOne(string stage) => stage == "$currentOp"
        ? new MongoError(73, "InvalidNamespace", "$currentOp must be run against the 'admin' database with {aggregate: 1}")
        : new MongoError(73, "InvalidNamespace", $"{stage} can only be run with {{aggregate: 1}}");

    /// <summary>$documents: an expression (evaluated once, seeing the command's let) that must give an array of documents.</summary>
    private static List<BsonDocument> Documents(BsonValue spec)
    {
        var value = ExpressionParser.Parse(spec).Evaluate(new EvaluationContext([]));
        if (value is not BsonArray array)
        {
            throw MongoError.Location(5858203, $"an array is expected as argument to $documents, found {(value is null ? "missing" : BsonTypeNames.NameOf(value.BsonType))}");
        }

        return array.Select(item => item as BsonDocument
            ?? throw MongoError.Location(40228, $"'newRoot' expression must evaluate to an object, but resulting value was: {item}. Type of resulting value: '{BsonTypeNames.NameOf(item.BsonType)}'."))
            .Select(d => (BsonDocument)d.DeepClone()).ToList();
    }

    /// <summary>
    /// $currentOp: the commands running now (this one included), one document each in MongoDB's shape. Without allUsers
    /// only the caller's own; allUsers needs the inprog privilege (clusterMonitor). idleConnections and idleCursors are
    /// not implemented; idleSessions and localOps change nothing on a single server without idle transactions listed.
    /// </summary>
    private static IEnumerable<BsonDocument> CurrentOp(CommandContext context, BsonValue spec)
    {
        if (context.Database != "admin")
        {
            throw NeedsAggregateOne("$currentOp");
        }

        var options = spec as BsonDocument ?? throw MongoError.Location(28667, "$currentOp options must be specified in an object, but found: " + BsonTypeNames.NameOf(spec.BsonType));
        foreach (var option in options)
        {
            if (!CurrentOpFields.Contains(option.Name))
            {
                throw MongoError.FailedToParse($"Unrecognized option '{option.Name}' in $currentOp stage.");
            }

            if (option.Name != "truncateOps" && option.Value is not BsonBoolean)
            {
                throw MongoError.FailedToParse($"The '{option.Name}' parameter of the $currentOp stage must be a boolean value, but found: {BsonTypeNames.NameOf(option.Value.BsonType)}");
            }
        }

        foreach (var unsupported in new[] { "idleConnections", "idleCursors" })
        {
            if (options.GetValue(unsupported, false).ToBoolean())
            {
                throw CommandOptions.NotImplemented($"$currentOp.{unsupported}");
            }
        }

        return Operations(context, options.GetValue("allUsers", false).ToBoolean());
    }

    /// <summary>
    /// The currentOp command (mongosh's db.currentOp()): the same entries as $currentOp under <c>inprog</c>, filtered by
    /// the command's other fields as a query. <c>$ownOps</c> limits them to the caller's; <c>$all</c> (idle connections too)
    /// is not implemented.
    /// </summary>
    public static ValueTask<BsonDocument> CurrentOpCommand(CommandContext context)
    {
        if (context.Database != "admin")
        {
            throw new MongoError(13, "Unauthorized", "currentOp may only be run against the admin database.");
        }

        if (context.Flag("$all"))
        {
            throw CommandOptions.NotImplemented("currentOp.$all");
        }

        var filter = new BsonDocument(context.Body.Skip(1).Where(e => !e.Name.StartsWith('$') && !RequestFields.Contains(e.Name)));
        var matcher = Filter.Parse(filter);
        var entries = Operations(context, !context.Flag("$ownOps")).Where(matcher.Matches);
        return ValueTask.FromResult(new BsonDocument("inprog", new BsonArray(entries)));
    }

    private static readonly HashSet<string> RequestFields =
        ["lsid", "txnNumber", "autocommit", "startTransaction", "readConcern", "writeConcern", "maxTimeMS", "comment", "apiVersion", "apiStrict", "apiDeprecationErrors"];

    private static List<BsonDocument> Operations(CommandContext context, bool allUsers)
    {
        var caller = CallerId(context, allUsers);
        var now = DateTime.UtcNow;
        var entries = new List<BsonDocument>();
        foreach (var operation in context.Server.Activity.Operations.OrderBy(o => o.OpId))
        {
            if (!allUsers && operation.UserId != caller)
            {
                continue;
            }

            var elapsed = now - operation.StartedUtc;
            var entry = new BsonDocument
            {
                { "type", "op" },
                { "host", context.Server.HostAndPort },
                { "desc", $"conn{operation.Connection.Id}" },
                { "connectionId", operation.Connection.Id },
                { "client", operation.Connection.RemoteAddress },
                { "active", true },
                { "currentOpTime", now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", System.Globalization.CultureInfo.InvariantCulture) },
                { "opid", operation.OpId },
                { "secs_running", (long)elapsed.TotalSeconds },
                { "microsecs_running", (long)(elapsed.Ticks / 10) },
                { "op", OpType(operation.Command) },
                { "ns", Namespace(operation) },
                { "command", operation.Command },
            };
            if (operation.Command.TryGetValue("lsid", out var lsid))
            {
                entry["lsid"] = lsid;
            }

            if (operation.UserId is { } userId)
            {
                var at = userId.LastIndexOf('@');
                entry["effectiveUsers"] = new BsonArray { new BsonDocument { { "user", userId[..at] }, { "db", userId[(at + 1)..] } } };
            }

            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>$listLocalSessions: the sessions this server has seen, the caller's own unless allUsers or users says otherwise.</summary>
    private static IEnumerable<BsonDocument> ListLocalSessions(CommandContext context, BsonValue spec)
    {
        var options = spec as BsonDocument ?? throw MongoError.TypeMismatch($"$listLocalSessions options must be an object, but found {BsonTypeNames.NameOf(spec.BsonType)}");
        HashSet<string?>? users = null;
        var allUsers = false;
        foreach (var option in options)
        {
            switch (option.Name)
            {
                case "allUsers":
                    allUsers = option.Value is BsonBoolean flag ? flag.Value : throw MongoError.TypeMismatch("BSON field '$listSessions.allUsers' is the wrong type, expected type 'bool'");
                    break;
                case "users":
                    users = [];
                    foreach (var user in option.Value as BsonArray ?? throw MongoError.TypeMismatch("BSON field '$listSessions.users' is the wrong type, expected type 'array'"))
                    {
                        if (user is not BsonDocument { } named || named.GetValue("user", null) is not BsonString name || named.GetValue("db", null) is not BsonString db)
                        {
                            throw MongoError.TypeMismatch("each entry of '$listSessions.users' must be {user: <string>, db: <string>}");
                        }

                        users.Add($"{name.Value}@{db.Value}");
                    }

                    break;
                default:
                    throw new MongoError(40415, "Location40415", $"BSON field '$listSessions.{option.Name}' is an unknown field.");
            }
        }

        if (allUsers && users is not null)
        {
            throw MongoError.BadValue("$listLocalSessions may not specify both allUsers and users");
        }

        var caller = CallerId(context, allUsers || (users is not null && users.Any(u => u != CallerId(context, false))));
        var wanted = allUsers ? null : users ?? [caller];
        return context.Server.Activity.Sessions
            .Where(session => wanted is null || wanted.Contains(session.UserId))
            .OrderBy(session => session.LastUseUtc)
            .Select(session =>
            {
                var entry = new BsonDocument
                {
                    { "_id", new BsonDocument { { "id", session.Id }, { "uid", ServerActivity.SessionUid(session.UserId) } } },
                    { "lastUse", new BsonDateTime(session.LastUseUtc) },
                };
                if (session.UserId is { } userId)
                {
                    entry["user"] = new BsonDocument("name", userId);
                }

                return entry;
            })
            .ToList();
    }

    /// <summary>The caller's "user@db" (null without authentication); seeing other users' activity needs clusterMonitor.</summary>
    private static string? CallerId(CommandContext context, bool seesOthers)
    {
        if (!context.Server.Options.RequireAuthentication)
        {
            return null;
        }

        var user = context.Connection.State.CurrentUser(context.Server.Users)
            ?? throw new MongoError(13, "Unauthorized", "not authorized: no user is logged in");
        if (seesOthers && !user.Can(Privilege.ClusterMonitor, null))
        {
            throw new MongoError(13, "Unauthorized", $"not authorized on {context.Database} to see the activity of other users");
        }

        return $"{user.User}@{user.Db}";
    }

    private static string OpType(BsonDocument command) => command.GetElement(0).Name.ToLowerInvariant() switch
    {
        "insert" => "insert",
        "update" => "update",
        "delete" => "remove",
        "find" => "query",
        "getmore" => "getmore",
        _ => "command",
    };

    private static string Namespace(RunningOperation operation) =>
        operation.Command.GetElement(0).Name.ToLowerInvariant() switch
        {
            "getmore" when operation.Command.GetValue("collection", null) is BsonString collection => $"{operation.Database}.{collection.Value}",
            _ when operation.Command[0] is BsonString collection => $"{operation.Database}.{collection.Value}",
            _ => $"{operation.Database}.$cmd",
        };
}
