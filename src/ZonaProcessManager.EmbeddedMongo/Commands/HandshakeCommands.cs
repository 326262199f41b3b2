using System.Diagnostics;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Auth;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>Handshake, diagnostics and session commands: what drivers and mongosh send on connect.</summary>
public static class HandshakeCommands
{
    public const int MaxWireVersion = 21;
    public const int MaxBsonObjectSize = 16 * 1024 * 1024;
    public const int MaxWriteBatchSize = 100_000;
    public const string ReportedVersion = "7.0.0";

    public static ValueTask<BsonDocument> Hello(CommandContext context)
    {
        var server = context.Server;
        if (!context.Connection.HandshakeSeen)
        {
            context.Connection.HandshakeSeen = true;
            context.Connection.ApplicationName = context.Body.GetValue("client", BsonNull.Value) is BsonDocument client
                && client.GetValue("application", BsonNull.Value) is BsonDocument application
                && application.GetValue("name", BsonNull.Value) is BsonString name
                    ? name.Value
                    : null;
        }

        var legacy = !context.CommandName.Equals("hello", StringComparison.Ordinal);
        var reply = new BsonDocument { { "helloOk", true }, { legacy ? "ismaster" : "isWritablePrimary", true } };
        var setName = server.Options.ReplicaSetName;
        if (!string.IsNullOrEmpty(setName))
        {
            var clusterTime = server.Store.ClusterTime;
            var now = DateTime.UtcNow;
            var opTime = new BsonDocument { { "ts", clusterTime }, { "t", 1L } };
            reply.AddRange(new BsonDocument
            {
                { "hosts", new BsonArray { server.HostAndPort } },
                { "setName", setName },
                { "setVersion", 1 },
                { "secondary", false },
                { "primary", server.HostAndPort },
                { "me", server.HostAndPort },
                { "electionId", server.ElectionId },
                {
                    "lastWrite", new BsonDocument
                    {
                        { "opTime", opTime }, { "lastWriteDate", now },
                        { "majorityOpTime", opTime }, { "majorityWriteDate", now },
                    }
                },
            });
        }

        reply.AddRange(new BsonDocument
        {
            { "maxBsonObjectSize", MaxBsonObjectSize },
            { "maxMessageSizeBytes", server.Options.MaxMessageSizeBytes },
            { "maxWriteBatchSize", MaxWriteBatchSize },
            { "localTime", DateTime.UtcNow },
            { "logicalSessionTimeoutMinutes", 30 },
            { "connectionId", (int)context.Connection.Id },
            { "minWireVersion", 0 },
            { "maxWireVersion", MaxWireVersion },
            { "readOnly", false },
        });
        if (context.Body.GetValue("saslSupportedMechs", BsonNull.Value) is BsonString qualifiedUser
            && AuthCommands.SupportedMechanisms(server, qualifiedUser.Value) is { } mechanisms)
        {
            reply["saslSupportedMechs"] = mechanisms;
        }

        if (context.Body.GetValue("speculativeAuthenticate", BsonNull.Value) is BsonDocument speculative
            && AuthCommands.Speculative(server, context.Connection.State, speculative) is { } first)
        {
            reply["speculativeAuthenticate"] = first;
        }

        reply["ok"] = 1.0;
        return ValueTask.FromResult(reply);
    }

    public static ValueTask<BsonDocument> Ping(CommandContext context) => Ok();

    public static ValueTask<BsonDocument> Acknowledge(CommandContext context) => Ok();

    public static ValueTask<BsonDocument> StartSession(CommandContext context) =>
        ValueTask.FromResult(new BsonDocument
        {
            { "id", new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard)) },
            { "timeoutMinutes", 30 },
        });

    public static ValueTask<BsonDocument> GetLastError(CommandContext context) =>
        ValueTask.FromResult(new BsonDocument { { "n", 0 }, { "err", BsonNull.Value } });

    public static ValueTask<BsonDocument> CommitTransaction(CommandContext context)
    {
        var transaction = context.Transaction ?? throw StoreTransaction.NoSuchTransaction();
        context.Server.Transactions.TryRemove(context.SessionKey!, out _);
        transaction.Commit();
        return Ok();
    }

    public static ValueTask<BsonDocument> AbortTransaction(CommandContext context)
    {
        var transaction = context.Transaction ?? throw StoreTransaction.NoSuchTransaction();
        context.Server.Transactions.TryRemove(context.SessionKey!, out _);
        transaction.Abort();
        return Ok();
    }

    public static ValueTask<BsonDocument> EndSessions(CommandContext context)
    {
        if (context.CommandValue is BsonArray sessions)
        {
            foreach (var session in sessions.OfType<BsonDocument>())
            {
                if (session.TryGetValue("id", out var id))
                {
                    context.Server.AbortTransaction(RetryableWriteCache.SessionKeyOfId(id));
                    context.Server.Activity.EndSession(RetryableWriteCache.SessionKeyOfId(id));
                }
            }
        }

        return Ok();
    }

    public static ValueTask<BsonDocument> BuildInfo(CommandContext context) =>
        ValueTask.FromResult(new BsonDocument
        {
            { "version", ReportedVersion },
            { "gitVersion", "zpm-embedded" },
            { "versionArray", new BsonArray { 7, 0, 0, 0 } },
            { "modules", new BsonArray() },
            { "allocator", "system" },
            { "javascriptEngine", "none" },
            { "sysInfo", "deprecated" },
            { "bits", 64 },
            { "debug", false },
            { "maxBsonObjectSize", MaxBsonObjectSize },
            { "storageEngines", new BsonArray { "sqlite" } },
            { "openssl", new BsonDocument("running", "disabled") },
        });

    public static ValueTask<BsonDocument> GetParameter(CommandContext context)
    {
        var all = new BsonDocument
        {
            { "featureCompatibilityVersion", new BsonDocument("version", "7.0") },
            { "authenticationMechanisms", new BsonArray { ScramCredential.Mechanism } },
            { "requireApiVersion", false },
            { "transactionLifetimeLimitSeconds", 60 },
            { "enableTestCommands", context.Server.Options.EnableTestCommands },
        };
        if (context.CommandValue is BsonString { Value: "*" } || (context.CommandValue is BsonDocument options && options.GetValue("allParameters", false).ToBoolean()))
        {
            return ValueTask.FromResult(all);
        }

        var reply = new BsonDocument();
        foreach (var element in context.Body.Skip(1))
        {
            if (all.TryGetValue(element.Name, out var value))
            {
                reply[element.Name] = value;
            }
        }

        if (reply.ElementCount == 0)
        {
            throw new MongoError(72, "InvalidOptions", "no option found to get");
        }

        return ValueTask.FromResult(reply);
    }

    public static ValueTask<BsonDocument> GetCmdLineOpts(CommandContext context) =>
        ValueTask.FromResult(new BsonDocument
        {
            { "argv", new BsonArray(Environment.GetCommandLineArgs()) },
            {
                "parsed", new BsonDocument
                {
                    { "net", new BsonDocument { { "bindIp", context.Server.Options.BindAddress }, { "port", context.Server.HostAndPort.Split(':')[^1] } } },
                    { "replication", new BsonDocument("replSet", context.Server.Options.ReplicaSetName) },
                    { "storage", new BsonDocument("dbPath", context.Server.Options.DataDirectory) },
                }
            },
        });

    public static ValueTask<BsonDocument> GetLog(CommandContext context)
    {
        if (context.CommandValue is BsonString { Value: "*" })
        {
            return ValueTask.FromResult(new BsonDocument("names", new BsonArray { "global", "startupWarnings" }));
        }

        return ValueTask.FromResult(new BsonDocument { { "totalLinesWritten", 0 }, { "log", new BsonArray() } });
    }

    public static ValueTask<BsonDocument> HostInfo(CommandContext context) =>
        ValueTask.FromResult(new BsonDocument
        {
            {
                "system", new BsonDocument
                {
                    { "currentTime", DateTime.UtcNow }, { "hostname", Environment.MachineName }, { "cpuAddrSize", 64 },
                    { "numCores", Environment.ProcessorCount }, { "cpuArch", System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString() },
                }
            },
            { "os", new BsonDocument { { "type", Environment.OSVersion.Platform.ToString() }, { "name", System.Runtime.InteropServices.RuntimeInformation.OSDescription } } },
            { "extra", new BsonDocument() },
        });

    public static ValueTask<BsonDocument> ServerStatus(CommandContext context)
    {
        var server = context.Server;
        var uptime = DateTime.UtcNow - server.StartedUtc;
        return ValueTask.FromResult(new BsonDocument
        {
            { "host", server.HostAndPort },
            { "version", ReportedVersion },
            { "process", "zpm mongo serve" },
            { "pid", (long)Environment.ProcessId },
            { "uptime", (long)uptime.TotalSeconds },
            { "uptimeMillis", (long)uptime.TotalMilliseconds },
            { "localTime", DateTime.UtcNow },
            {
                "connections", new BsonDocument
                {
                    { "current", server.OpenConnections }, { "available", Math.Max(0, server.Options.MaxConnections + server.Options.MaxPendingConnections - server.OpenConnections) },
                    { "totalCreated", server.TotalConnections },
                }
            },
            { "metrics", new BsonDocument("cursor", new BsonDocument("open", new BsonDocument("total", (long)server.Cursors.Count))) },
            { "storageEngine", new BsonDocument { { "name", "sqlite" }, { "persistent", true } } },
            { "mem", new BsonDocument { { "bits", 64 }, { "resident", Process.GetCurrentProcess().WorkingSet64 / (1024 * 1024) } } },
        });
    }

    public static ValueTask<BsonDocument> ConnectionStatus(CommandContext context)
    {
        var user = context.Connection.State.CurrentUser(context.Server.Users);
        return ValueTask.FromResult(new BsonDocument("authInfo", new BsonDocument
        {
            { "authenticatedUsers", user is null ? new BsonArray() : new BsonArray { new BsonDocument { { "user", user.User }, { "db", user.Db } } } },
            { "authenticatedUserRoles", user is null ? new BsonArray() : new BsonArray(user.Roles.Select(role => role.ToBson())) },
        }));
    }

    public static ValueTask<BsonDocument> WhatsMyUri(CommandContext context) =>
        ValueTask.FromResult(new BsonDocument("you", context.Connection.RemoteAddress));

    private static ValueTask<BsonDocument> Ok() => ValueTask.FromResult(new BsonDocument("ok", 1.0));
}
