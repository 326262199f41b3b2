using MongoDB.Driver;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Auth;

/// <summary>
/// An embedded server of the test's own, authentication on, with its administrator created as `zpm run` does, on a
/// fresh data directory that disposing removes. These tests are about this server's login and limits, so they do not
/// run against a real MongoDB.
/// </summary>
public sealed class AuthServer : IAsyncDisposable
{
    private AuthServer(string dataDirectory, EmbeddedMongoServer server, AdminCredential admin)
    {
        DataDirectory = dataDirectory;
        Server = server;
        Admin = admin;
    }

    public string DataDirectory { get; }
    public EmbeddedMongoServer Server { get; private set; }
    public AdminCredential Admin { get; }

    public static async Task<AuthServer> StartAsync(Func<EmbeddedMongoOptions, EmbeddedMongoOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "zpm-test-auth-" + Guid.NewGuid().ToString("N"));
        var options = new EmbeddedMongoOptions { Port = 0, DataDirectory = directory };
        var server = await EmbeddedMongoServer.StartAsync(configure?.Invoke(options) ?? options);
        return new AuthServer(directory, server, server.EnsureAdminUser());
    }

    /// <summary>Stops the server and starts a new one on the same data directory and options.</summary>
    public async Task RestartAsync()
    {
        var options = Server.Options;
        await Server.DisposeAsync();
        Server = await EmbeddedMongoServer.StartAsync(options);
    }

    /// <summary>A client logged in as <paramref name="user"/> (authSource <paramref name="database"/>), or anonymous when user is null.</summary>
    public MongoClient Client(string? user = null, string? password = null, string database = "admin", Action<MongoClientSettings>? configure = null)
    {
        var settings = MongoClientSettings.FromConnectionString(Server.ConnectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        // Clients with equal settings share one cluster and its logged-in connections; each of these must log in itself.
        settings.ApplicationName = "auth-test-" + Guid.NewGuid().ToString("N")[..8];
        if (user is not null)
        {
            settings.Credential = MongoCredential.CreateCredential(database, user, password);
        }

        configure?.Invoke(settings);
        return new MongoClient(settings);
    }

    public MongoClient AdminClient(Action<MongoClientSettings>? configure = null) => Client(Admin.User, Admin.Password, configure: configure);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}
