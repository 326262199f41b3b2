using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// The operator host on the real store (the Mongo test target, validators installed as `zpm run` installs them) and
/// the in-memory container engine: what the store and the watcher do is real, Docker is not needed.
/// </summary>
internal sealed class OperatorOnStore : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private readonly TestDatabase _database;
    private IHost? _host;

    public OperatorOnStore(MongoTestTarget mongo, ITestOutputHelper output, Func<OperatorSettings, OperatorSettings>? tune = null)
    {
        _database = mongo.CreateDatabase(output);
        var settings = new OperatorSettings
        {
            MongoConnectionString = mongo.ConnectionString,
            Database = _database.Name,
            ProgressRequeueInterval = TimeSpan.FromMilliseconds(300),
            LoopRetryInitial = TimeSpan.FromMilliseconds(200),
            LoopRetryMax = TimeSpan.FromSeconds(2),
        };
        Settings = tune?.Invoke(settings) ?? settings;
        Store = new MongoServiceStore(_database.Database);
    }

    public OperatorSettings Settings { get; }

    public FakeContainerRuntime Runtime { get; } = new(TimeProvider.System);

    public CountingLoggerProvider Logs { get; } = new();

    public MongoServiceStore Store { get; }

    public IMongoCollection<BsonDocument> Services => _database.Collection<BsonDocument>(ZpmCollections.Services);

    public IMongoDatabase Database => _database.Database;

    public ReconcileQueue Queue => _host?.Services.GetRequiredService<ReconcileQueue>() ?? throw new InvalidOperationException("operator not running");

    public T Get<T>()
        where T : notnull => _host is null ? throw new InvalidOperationException("operator not running") : _host.Services.GetRequiredService<T>();

    /// <param name="election">Who decides that this host leads; by default it leads at once and for good.</param>
    public async Task StartAsync(ILeaderElection? election = null)
    {
        await new SchemaInstaller(_database.Database).InstallAsync(CancellationToken.None);
        _host = ZpmOperatorHost.CreateBuilder(Settings, services =>
        {
            if (election is not null)
            {
                services.AddSingleton(election);
            }

            services.RemoveAll<IContainerRuntime>();
            services.RemoveAll<IHostPortProbe>();
            services.AddSingleton<IContainerRuntime>(Runtime);
            services.AddSingleton<IHostPortProbe>(new FakeHostPortProbe());
            services.RemoveAll<ILoggerFactory>();
            services.AddSingleton<ILoggerFactory>(new LoggerFactory([Logs]));
        }).Build();
        await _host.StartAsync();
    }

    public Task InsertBypassingValidationAsync(IEnumerable<BsonDocument> documents) =>
        Services.InsertManyAsync(documents, new InsertManyOptions { BypassDocumentValidation = true, IsOrdered = false });

    public async Task<ServiceStatus?> StatusAsync(ResourceKey key) => (await Store.GetAsync(key, CancellationToken.None))?.Status;

    public async Task<ServiceStatus> WaitForAsync(ResourceKey key, Func<ServiceStatus, bool> condition, string what)
    {
        ServiceStatus? matched = null;
        await ZonaProcessManager.Testing.Mongo.Eventually.TrueAsync(
            async () => (matched = await StatusAsync(key) is { } status && condition(status) ? status : null) is not null,
            Deadline,
            $"{key}: {what}");
        return matched!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_host is not null)
            {
                await _host.StopAsync();
                _host.Dispose();
            }
        }
        finally
        {
            await _database.DisposeAsync();
        }
    }
}
