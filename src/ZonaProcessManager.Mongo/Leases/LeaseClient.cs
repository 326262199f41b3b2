using MongoDB.Driver;

namespace ZonaProcessManager.Mongo.Leases;

/// <summary>
/// The MongoClient that <see cref="MongoLeaderElection"/> talks through: the operator's connection string with a
/// connection pool of its own. Renewals then never wait for a pooled connection behind the operator's data traffic (a
/// resync's list of every document, a burst of status writes); a leader whose renewals queued behind its own reads
/// would give up its term exactly when it is busiest.
/// </summary>
public static class LeaseClient
{
    /// <summary>
    /// The pool's size: a standby's change stream on the lease holds one connection in an awaiting getMore while the
    /// other takes, reads and writes; a leader uses one at a time.
    /// </summary>
    public const int MaxConnections = 2;

    /// <summary>A client on <paramref name="connectionString"/> whose pool holds at most <see cref="MaxConnections"/>.</summary>
    public static MongoClient Create(string connectionString)
    {
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        settings.MaxConnectionPoolSize = MaxConnections;
        settings.MinConnectionPoolSize = 0;
        return new MongoClient(settings);
    }
}
