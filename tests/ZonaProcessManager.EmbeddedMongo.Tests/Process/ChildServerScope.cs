using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Process;

/// <summary>A data directory for `zpm mongo serve` child processes, removed with whatever server still runs on it.</summary>
public sealed class ChildServerScope : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly List<MongoServerProcess> _servers = [];

    public ChildServerScope(ITestOutputHelper output)
    {
        _output = output;
        DataDirectory = Path.Combine(Path.GetTempPath(), "zpm-test-child-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        output.WriteLine("target: EMBEDDED server as a child process (zpm mongo serve); kill -9 tests only make sense for our own server");
    }

    public string DataDirectory { get; }

    public Task<MongoServerProcess> StartAsync() => StartAsync([]);

    /// <summary>Starts `zpm mongo serve` on the scope's data directory with <paramref name="extraArguments"/> after the port and path.</summary>
    public async Task<MongoServerProcess> StartAsync(IReadOnlyList<string> extraArguments)
    {
        var server = await MongoServerProcess.StartAsync(DataDirectory, _output, extraArguments: extraArguments);
        _servers.Add(server);
        return server;
    }

    /// <summary>A client that gives up quickly once the server is gone, instead of the driver's 30 s default.</summary>
    public static MongoClient Connect(MongoServerProcess server)
    {
        var settings = MongoClientSettings.FromConnectionString(server.ConnectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(5);
        settings.ConnectTimeout = TimeSpan.FromSeconds(5);
        return new MongoClient(settings);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            if (!server.HasExited)
            {
                _output.WriteLine("--- child server log ---\n" + server.Log);
            }

            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException ex)
        {
            _output.WriteLine($"cleanup: could not delete {DataDirectory}: {ex.Message}");
        }
    }
}
