using System.Collections.Frozen;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Commands;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>
/// Decides, before a command runs, whether the connection's user may run it, with MongoDB's built-in role meanings.
/// Without authentication only what MongoDB allows then (the handshake, the SASL exchange, ping, buildInfo…) runs.
/// </summary>
public static class Authorization
{
    private static readonly FrozenSet<string> WithoutAuthentication = new[]
    {
        "hello", "ismaster", "saslstart", "saslcontinue", "ping", "buildinfo", "logout", "connectionstatus", "getlasterror", "whatsmyuri",
    }.ToFrozenSet();

    private static readonly FrozenSet<string> AnyUser = new[]
    {
        "startsession", "refreshsessions", "endsessions", "committransaction", "aborttransaction", "listdatabases", "usersinfo",
        // Listing others' operations needs clusterMonitor, which the command checks itself.
        "currentop",
    }.ToFrozenSet();

    private static readonly FrozenSet<string> Reads = new[] { "find", "getmore", "count", "distinct", "aggregate", "explain", "killcursors" }.ToFrozenSet();
    private static readonly FrozenSet<string> Writes = new[] { "insert", "update", "delete", "findandmodify" }.ToFrozenSet();
    private static readonly FrozenSet<string> ReadOrDbAdmin = new[] { "listcollections", "listindexes", "dbstats", "collstats" }.ToFrozenSet();
    private static readonly FrozenSet<string> WriteOrDbAdmin = new[] { "create", "createindexes", "dropindexes", "deleteindexes", "drop" }.ToFrozenSet();
    private static readonly FrozenSet<string> DbAdmin = new[] { "collmod", "dropdatabase" }.ToFrozenSet();
    private static readonly FrozenSet<string> UserAdmin = new[] { "createuser", "updateuser", "dropuser", "grantrolestouser", "revokerolesfromuser" }.ToFrozenSet();
    private static readonly FrozenSet<string> ClusterMonitor = new[] { "getparameter", "getcmdlineopts", "getlog", "hostinfo", "serverstatus" }.ToFrozenSet();

    /// <summary>Throws 13 Unauthorized unless the connection may run <paramref name="command"/> (lower-case) on <paramref name="database"/>.</summary>
    public static void Check(ServerContext server, ConnectionState connection, string command, string database, BsonDocument body)
    {
        if (!server.Options.RequireAuthentication || WithoutAuthentication.Contains(command))
        {
            return;
        }

        var user = connection.CurrentUser(server.Users)
            ?? throw new MongoError(13, "Unauthorized", $"Command {body.GetElement(0).Name} requires authentication");
        if (!Allowed(user, command, database, body))
        {
            var target = body[0] is BsonString name ? $"\"{name.Value}\"" : body[0].IsNumeric ? body[0].ToString() : "…";
            throw new MongoError(13, "Unauthorized", $"not authorized on {database} to execute command {{ {body.GetElement(0).Name}: {target}, $db: \"{database}\" }}");
        }
    }

    private static bool Allowed(UserRecord user, string command, string database, BsonDocument body)
    {
        if (TouchesUserCollection(command, database, body))
        {
            // Users change only through the user commands, which keep their keys well-formed; reading them is user admin.
            return Reads.Contains(command) && command != "explain" && user.Can(Privilege.UserAdmin, UserStore.Database);
        }

        if (command == "aggregate" && WatchesWholeCluster(body))
        {
            return user.Can(Privilege.Read, null);
        }

        if (command == "aggregate" && ListsServerActivity(body))
        {
            // Every user may list its own operations and sessions; seeing other users' needs clusterMonitor, which the stage checks.
            return true;
        }

        if (command == "aggregate" && OutputDatabase(body, database) is { } outputDatabase)
        {
            // $out and $merge write: reading the source is not enough, the target's database must be writable too.
            return user.Can(Privilege.Read, database) && user.Can(Privilege.Write, outputDatabase);
        }

        if (command == "renamecollection")
        {
            return Namespaces(body).All(db => user.Can(Privilege.Write, db) || user.Can(Privilege.DbAdmin, db));
        }

        return command switch
        {
            _ when AnyUser.Contains(command) => true,
            _ when Reads.Contains(command) => user.Can(Privilege.Read, database),
            _ when Writes.Contains(command) => user.Can(Privilege.Write, database),
            _ when ReadOrDbAdmin.Contains(command) => user.Can(Privilege.Read, database) || user.Can(Privilege.DbAdmin, database),
            _ when WriteOrDbAdmin.Contains(command) => user.Can(Privilege.Write, database) || user.Can(Privilege.DbAdmin, database),
            _ when DbAdmin.Contains(command) => user.Can(Privilege.DbAdmin, database),
            _ when UserAdmin.Contains(command) => user.Can(Privilege.UserAdmin, database),
            _ when ClusterMonitor.Contains(command) => user.Can(Privilege.ClusterMonitor, null),
            _ => user.Can(Privilege.ClusterAdmin, null),
        };
    }

    private static bool TouchesUserCollection(string command, string database, BsonDocument body)
    {
        if (command == "renamecollection")
        {
            return new[] { body[0], body.GetValue("to", BsonNull.Value) }.Any(ns => ns is BsonString name && name.Value.EndsWith("." + UserStore.Collection, StringComparison.Ordinal));
        }

        return command is not ("createuser" or "updateuser" or "dropuser" or "usersinfo" or "grantrolestouser" or "revokerolesfromuser")
            && body[0] is BsonString { Value: UserStore.Collection };
    }

    private static bool WatchesWholeCluster(BsonDocument body) =>
        body.GetValue("pipeline", BsonNull.Value) is BsonArray { Count: > 0 } pipeline
        && pipeline[0] is BsonDocument first
        && first.GetValue("$changeStream", BsonNull.Value) is BsonDocument options
        && options.GetValue("allChangesForCluster", false).ToBoolean();

    private static bool ListsServerActivity(BsonDocument body) =>
        body[0].IsNumeric
        && body.GetValue("pipeline", BsonNull.Value) is BsonArray { Count: > 0 } pipeline
        && pipeline[0] is BsonDocument { ElementCount: 1 } first
        && first.GetElement(0).Name is "$currentOp" or "$listLocalSessions"
        && (pipeline.Count == 1 || pipeline[^1] is not BsonDocument { ElementCount: 1 } last || last.GetElement(0).Name is not ("$out" or "$merge"));

    /// <summary>The database a final $out or $merge writes into, or null when the pipeline does not write.</summary>
    private static string? OutputDatabase(BsonDocument body, string database)
    {
        if (body.GetValue("pipeline", BsonNull.Value) is not BsonArray { Count: > 0 } pipeline
            || pipeline[^1] is not BsonDocument { ElementCount: 1 } last
            || last.GetElement(0).Name is not ("$out" or "$merge"))
        {
            return null;
        }

        var target = last[0] is BsonDocument spec && last.GetElement(0).Name == "$merge" ? spec.GetValue("into", BsonNull.Value) : last[0];
        return target is BsonDocument named && named.GetValue("db", BsonNull.Value) is BsonString db ? db.Value : database;
    }

    private static IEnumerable<string> Namespaces(BsonDocument body)
    {
        foreach (var value in new[] { body[0], body.GetValue("to", BsonNull.Value) })
        {
            yield return value is BsonString { Value: var ns } && ns.IndexOf('.') is > 0 and var dot ? ns[..dot] : "";
        }
    }
}
