using MongoDB.Driver;

namespace ZonaProcessManager.Cli;

public sealed class MongoConnection(MongoClient client, IMongoDatabase database) : IDisposable
{
    public MongoClient Client { get; } = client;

    public IMongoDatabase Database { get; } = database;

    public void Dispose() => Client.Dispose();
}
