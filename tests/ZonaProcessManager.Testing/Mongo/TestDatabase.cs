using MongoDB.Driver;
using Xunit.Abstractions;

namespace ZonaProcessManager.Testing.Mongo;

/// <summary>
/// A database that belongs to exactly one test (unique name), dropped when the test ends, so tests and
/// concurrent test runs against the same server never see each other's data.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly ITestOutputHelper? _output;

    internal TestDatabase(MongoTestTarget target, IMongoClient client, string name, ITestOutputHelper? output)
    {
        Target = target;
        Client = client;
        Name = name;
        Database = client.GetDatabase(name);
        _output = output;
    }

    public MongoTestTarget Target { get; }
    public IMongoClient Client { get; }
    public string Name { get; }
    public IMongoDatabase Database { get; }

    public IMongoCollection<T> Collection<T>(string name) => Database.GetCollection<T>(name);

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await Client.DropDatabaseAsync(Name, timeout.Token);
        }
        catch (Exception ex)
        {
            // Cleanup must not hide the test's own failure; a leftover t_* database is harmless and visible.
            _output?.WriteLine($"cleanup: could not drop database {Name}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>A fresh name valid as a MongoDB database name (short, no dots), unique across runs.</summary>
    public static string NewName() => "t_" + Guid.NewGuid().ToString("N")[..20];
}
