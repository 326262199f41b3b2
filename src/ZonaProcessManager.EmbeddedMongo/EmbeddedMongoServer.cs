namespace ZonaProcessManager.EmbeddedMongo;

/// <summary>
/// A MongoDB-wire-compatible server backed by SQLite. Start it, hand <see cref="ConnectionString"/> to
/// MongoDB.Driver or mongosh, dispose it to stop.
/// </summary>
public sealed class EmbeddedMongoServer : IAsyncDisposable
{
    private EmbeddedMongoServer(EmbeddedMongoOptions options, int port)
    {
        Options = options;
        Port = port;
    }

    public EmbeddedMongoOptions Options { get; }

    /// <summary>The port actually bound (differs from Options.Port when that was 0).</summary>
    public int Port { get; }

    /// <summary>host:port exactly as clients dial it; also what hello reports in hosts/me/primary.</summary>
    public string HostAndPort => $"{Options.BindAddress}:{Port}";

    /// <summary>Connection string for a replica-set client, e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0.</summary>
    public string ConnectionString => $"mongodb://{HostAndPort}/?replicaSet={Options.ReplicaSetName}";

    public static Task<EmbeddedMongoServer> StartAsync(EmbeddedMongoOptions options, CancellationToken cancellationToken = default)
    {
        _ = cancellationToken;
        throw new NotImplementedException("embedded server not built yet: " + options.DataDirectory);
    }

    /// <summary>Stops accepting, closes client connections and flushes storage.</summary>
    public Task StopAsync() => Task.CompletedTask;

    public async ValueTask DisposeAsync() => await StopAsync();
}
