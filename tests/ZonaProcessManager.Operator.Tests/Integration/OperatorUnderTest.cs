using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// One test's world: a fresh database on the Mongo test target, a fresh tenant (its name carries the Docker run id, so
/// the DockerTestEnvironment's cleanup finds every container by name), and the real operator host in-process, scoped to
/// that tenant so parallel tests and runs never touch each other's containers.
/// </summary>
internal sealed class OperatorUnderTest : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly DockerTestEnvironment _docker;
    private readonly TestDatabase _database;
    private IHost? _host;

    public OperatorUnderTest(
        DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output, int tenants = 1, ProbeMode probeMode = ProbeMode.Operator)
    {
        _docker = docker;
        _database = mongo.CreateDatabase(output);
        Tenants = [.. Enumerable.Range(0, tenants).Select(_ => docker.NewTenant())];
        Tenant = Tenants[0];
        Store = new MongoServiceStore(_database.Database);
        Integrations = new MongoIntegrationStore(_database.Database);

        // Each test its own slice of ports, so parallel runs (separate databases, one Docker host) rarely meet; when
        // they do, the host-port probe skips what the other run's containers hold.
        var first = 30000 + (Random.Shared.Next(0, 250) * 100);
        Settings = new OperatorSettings
        {
            MongoConnectionString = mongo.ConnectionString,
            Database = _database.Name,
            Tenants = Tenants.ToHashSet(),
            IntegrationPorts = new PortRange(first, first + 99),
            IntegrationRequeueInterval = TimeSpan.FromMilliseconds(500),
            DockerStopGrace = TimeSpan.FromSeconds(1),
            ProgressRequeueInterval = TimeSpan.FromMilliseconds(300),
            DependencyRequeueInterval = TimeSpan.FromMilliseconds(500),
            RolloutHealthDeadline = TimeSpan.FromSeconds(20),
            LoopRetryInitial = TimeSpan.FromMilliseconds(200),
            LoopRetryMax = TimeSpan.FromSeconds(2),
            Probes = ProbeSettings.Default with { Mode = probeMode },
        };
    }

    public string Tenant { get; }

    /// <summary>Every tenant this operator manages (the first is <see cref="Tenant"/>).</summary>
    public IReadOnlyList<string> Tenants { get; }

    public MongoIntegrationStore Integrations { get; }

    public IMongoDatabase Database => _database.Database;

    public OperatorSettings Settings { get; }

    public MongoServiceStore Store { get; }

    public IMongoCollection<BsonDocument> Services => _database.Collection<BsonDocument>(ZpmCollections.Services);

    public IContainerRuntime Docker => _docker.Runtime;

    public ReconcileQueue Queue => _host?.Services.GetRequiredService<ReconcileQueue>() ?? throw new InvalidOperationException("operator not running");

    public ResourceKey Key(string name) => new(ServiceSpec.KindName, Tenant, name);

    public async Task StartAsync(Action<IServiceCollection>? configureServices = null)
    {
        _host = ZpmOperatorHost.CreateBuilder(Settings, configureServices).Build();
        await _host.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_host is null)
        {
            return;
        }

        await _host.StopAsync();
        _host.Dispose();
        _host = null;
    }

    /// <summary>A ServiceSpec as a user would insert it with mongosh: zpm/busybox serving HTTP on 8080, health-checked.</summary>
    public BsonDocument ServiceDocument(string name, int replicas = 1, string image = DockerTestEnvironment.BusyboxImage, BsonDocument? env = null) => new()
    {
        ["_id"] = $"{Tenant}/{name}",
        ["apiVersion"] = ServiceSpec.ApiVersion,
        ["kind"] = ServiceSpec.KindName,
        ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = Tenant },
        ["spec"] = new BsonDocument
        {
            ["image"] = image,
            ["replicas"] = replicas,
            ["env"] = env ?? new BsonDocument(),
            ["healthCheck"] = new BsonDocument
            {
                ["http"] = new BsonDocument { ["port"] = DockerTestEnvironment.BusyboxHttpPort, ["path"] = "/" },
                ["intervalSeconds"] = 1,
                ["timeoutSeconds"] = 1,
                ["retries"] = 2,
            },
        },
    };

    public Task InsertAsync(BsonDocument document) => Services.InsertOneAsync(document);

    public Task UpdateSpecAsync(string name, UpdateDefinition<BsonDocument> update) =>
        Services.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("_id", $"{Tenant}/{name}"), update);

    public async Task<ServiceStatus?> StatusAsync(string name) => (await Store.GetAsync(Key(name), CancellationToken.None))?.Status;

    public Task<IReadOnlyList<ObservedContainer>> ContainersAsync(string name) => Docker.ListAsync(Key(name), CancellationToken.None);

    public async Task<ServiceStatus> WaitForAsync(string name, Func<ServiceStatus, bool> condition, string what)
    {
        ServiceStatus? matched = null;
        await Eventually.TrueAsync(
            async () => (matched = await StatusAsync(name) is { } status && condition(status) ? status : null) is not null,
            Deadline,
            $"{name}: {what}");
        return matched!;
    }

    public Task<ServiceStatus> WaitRunningAsync(string name, int replicas) =>
        WaitForAsync(name, s => s.Phase == ResourcePhase.Running && s.Replicas.Desired == replicas && s.Replicas.Ready == replicas && s.Containers.Count == replicas,
            $"Running with {replicas} ready replica(s)");

    public Task WaitContainersAsync(string name, Func<IReadOnlyList<ObservedContainer>, bool> condition, string what) =>
        Eventually.TrueAsync(async () => condition(await ContainersAsync(name)), Deadline, $"{name}: {what}");

    /// <summary>The operator has looked at everything it was told about (and has nothing in hand right now).</summary>
    /// <summary>Waits until the start-up resync has run and the queue has handled everything it enqueued.</summary>
    public async Task<ResyncPass> WaitStartupResyncDoneAsync()
    {
        var resync = _host?.Services.GetRequiredService<Resync>() ?? throw new InvalidOperationException("operator not running");
        // LastPass is set after the pass enqueued its keys, so an idle queue then means they were handled.
        await Eventually.TrueAsync(() => Task.FromResult(resync.LastPass is not null && Queue.IsIdle), Deadline, "start-up resync done and queue idle");
        return resync.LastPass!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            // Containers of these tenants go even when the test failed half-way; the fixture sweeps the rest by run id.
            foreach (var tenant in Tenants)
            {
                await _docker.RemoveTenantAsync(tenant);
            }

            await _database.DisposeAsync();
        }
    }
}
