using System.Collections.Frozen;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

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
