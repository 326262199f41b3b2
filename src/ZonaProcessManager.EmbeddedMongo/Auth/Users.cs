using System.Collections.Frozen;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>A role granted on one database, e.g. readWrite@zpm or root@admin.</summary>
public sealed record RoleGrant(string Role, string Db)
{
    public BsonDocument ToBson() => new() { { "role", Role }, { "db", Db } };
}

/// <summary>What a command needs on a database; roles are sets of these.</summary>
public enum Privilege
{
    Read,
    Write,
    DbAdmin,
    UserAdmin,
    ClusterMonitor,
    ClusterAdmin,
}

/// <summary>The built-in roles this server knows, with MongoDB's names and meanings (a subset of MongoDB's built-in roles).</summary>
public static class BuiltInRoles
{
    private static readonly FrozenDictionary<string, Privilege[]> DatabaseRoles = new Dictionary<string, Privilege[]>
    {
        ["read"] = [Privilege.Read],
        ["readWrite"] = [Privilege.Read, Privilege.Write],
        ["dbAdmin"] = [Privilege.DbAdmin],
        ["userAdmin"] = [Privilege.UserAdmin],
        ["dbOwner"] = [Privilege.Read, Privilege.Write, Privilege.DbAdmin, Privilege.UserAdmin],
    }.ToFrozenDictionary();

    // Roles that exist only on admin and apply to every database.
    private static readonly FrozenDictionary<string, Privilege[]> AnyDatabaseRoles = new Dictionary<string, Privilege[]>
    {
        ["readAnyDatabase"] = [Privilege.Read],
        ["readWriteAnyDatabase"] = [Privilege.Read, Privilege.Write],
        ["dbAdminAnyDatabase"] = [Privilege.DbAdmin],
        ["userAdminAnyDatabase"] = [Privilege.UserAdmin],
        ["clusterMonitor"] = [Privilege.ClusterMonitor],
        ["root"] = Enum.GetValues<Privilege>(),
    }.ToFrozenDictionary();

    public static bool Exists(RoleGrant grant) =>
        DatabaseRoles.ContainsKey(grant.Role) || (grant.Db == "admin" && AnyDatabaseRoles.ContainsKey(grant.Role));

    /// <summary>Whether <paramref name="grant"/> gives <paramref name="privilege"/> on <paramref name="database"/> (null: on every database).</summary>
    public static bool Gives(RoleGrant grant, Privilege privilege, string? database)
    {
        if (grant.Db == "admin" && AnyDatabaseRoles.TryGetValue(grant.Role, out var everywhere))
        {
            return everywhere.Contains(privilege);
        }

        return database is not null && grant.Db == database && DatabaseRoles.TryGetValue(grant.Role, out var here) && here.Contains(privilege);
    }
}

/// <summary>One user as kept in admin.system.users (MongoDB's document shape; keys, never the password).</summary>
public sealed record UserRecord(string User, string Db, Guid UserId, IReadOnlyList<RoleGrant> Roles, ScramCredential Credential, BsonDocument? CustomData)
{
    public string Id => $"{Db}.{User}";

    public bool Can(Privilege privilege, string? database) => Roles.Any(role => BuiltInRoles.Gives(role, privilege, database));

    public BsonDocument ToBson()
    {
        var document = new BsonDocument
        {
            { "_id", Id },
            { "userId", new BsonBinaryData(UserId, GuidRepresentation.Standard) },
            { "user", User },
            { "db", Db },
            {
                "credentials", new BsonDocument(ScramCredential.Mechanism, new BsonDocument
                {
                    { "iterationCount", Credential.IterationCount },
                    { "salt", Convert.ToBase64String(Credential.Salt) },
                    { "storedKey", Convert.ToBase64String(Credential.StoredKey) },
                    { "serverKey", Convert.ToBase64String(Credential.ServerKey) },
                })
            },
            { "roles", new BsonArray(Roles.Select(role => role.ToBson())) },
        };
        if (CustomData is not null)
        {
            document["customData"] = CustomData;
        }

        return document;
    }

    public static UserRecord FromBson(BsonDocument document)
    {
        var scram = document["credentials"][ScramCredential.Mechanism].AsBsonDocument;
        return new UserRecord(
            document["user"].AsString,
            document["db"].AsString,
            document["userId"].AsBsonBinaryData.ToGuid(GuidRepresentation.Standard),
            [.. document["roles"].AsBsonArray.Select(role => new RoleGrant(role["role"].AsString, role["db"].AsString))],
            new ScramCredential(scram["iterationCount"].ToInt32(), Convert.FromBase64String(scram["salt"].AsString),
                Convert.FromBase64String(scram["storedKey"].AsString), Convert.FromBase64String(scram["serverKey"].AsString)),
            document.TryGetValue("customData", out var custom) && custom is BsonDocument data ? data : null);
    }
}

/// <summary>
/// The users of one server, persisted in admin.system.users like MongoDB's, and cached in memory: authorization runs on
/// every command and must not read SQLite each time. Every change bumps <see cref="Version"/>, so connections
/// authenticated as a changed or dropped user pick up its new roles (or lose them) on their next command.
/// </summary>
public sealed class UserStore(MongoStore store)
{
    public const string Database = "admin";
    public const string Collection = "system.users";

    private readonly object gate = new();
    private FrozenDictionary<string, UserRecord>? cache;
    private long version;

    public long Version => Interlocked.Read(ref version);

    public UserRecord? Find(string db, string user) => Load().GetValueOrDefault($"{db}.{user}");

    public IEnumerable<UserRecord> All => Load().Values.OrderBy(u => u.Db, StringComparer.Ordinal).ThenBy(u => u.User, StringComparer.Ordinal);

    public bool Any => Load().Count > 0;

    /// <summary>Adds a user; false when one of that name already exists on that database.</summary>
    public bool Create(UserRecord user) => Change(write =>
    {
        var collection = write.EnsureCollection(Database, Collection);
        if (write.FindById(collection, user.Id) is not null)
        {
            return false;
        }

        write.Insert(collection, user.ToBson());
        return true;
    });

    /// <summary>Replaces a user's record; false when there is no such user.</summary>
    public bool Replace(UserRecord user) => Change(write =>
    {
        var collection = write.Catalog.Find(Database, Collection);
        if (collection is null || write.FindById(collection, user.Id) is not { } stored)
        {
            return false;
        }

        write.Update(collection, stored, user.ToBson(), isReplacement: true);
        return true;
    });

    public bool Drop(string db, string user) => Change(write =>
    {
        var collection = write.Catalog.Find(Database, Collection);
        if (collection is null || write.FindById(collection, $"{db}.{user}") is not { } stored)
        {
            return false;
        }

        write.Delete(collection, stored);
        return true;
    });

    /// <summary>Forgets the cache, e.g. after the admin database was dropped with its users.</summary>
    public void Invalidate()
    {
        lock (gate)
        {
            cache = null;
            Interlocked.Increment(ref version);
        }
    }

    private bool Change(Func<WriteScope, bool> work)
    {
        lock (gate)
        {
            try
            {
                return store.Write(work);
            }
            finally
            {
                cache = null;
                Interlocked.Increment(ref version);
            }
        }
    }

    // A record written by hand without authentication (or by another tool) that lacks SCRAM-SHA-256 keys is no user here.
    private static UserRecord? Parse(BsonDocument document)
    {
        try
        {
            return UserRecord.FromBson(document);
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidCastException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private FrozenDictionary<string, UserRecord> Load()
    {
        var loaded = Volatile.Read(ref cache);
        if (loaded is not null)
        {
            return loaded;
        }

        lock (gate)
        {
            if (cache is null)
            {
                cache = store.Read(read =>
                {
                    var collection = store.Catalog.Find(Database, Collection);
                    return collection is null
                        ? []
                        : read.All(collection).Select(stored => Parse(stored.Document)).OfType<UserRecord>().ToList();
                }).ToFrozenDictionary(user => user.Id);
            }

            return cache;
        }
    }
}
