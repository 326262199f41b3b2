using ZonaProcessManager.EmbeddedMongo;

namespace ZonaProcessManager.Benchmarks;

/// <summary>The benchmarks measure the server as `zpm run` runs it: authentication on, clients logged in as its administrator.</summary>
internal static class EmbeddedLogin
{
    /// <summary>A connection string logged in as zpm-admin (created on first use); it holds a password, so it is never printed.</summary>
    public static string AdminConnectionString(this EmbeddedMongoServer server)
    {
        var admin = server.EnsureAdminUser();
        return server.ConnectionStringFor(admin.User, admin.Password);
    }
}
