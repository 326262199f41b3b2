using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using ZonaProcessManager.Testing.Operator;
using ZonaProcessManager.Web.Dashboard;
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Web.Tests.Dashboard;

/// <summary>
/// One test's world: a fresh database on the Mongo test target, a fresh tenant (named after the Docker run id, so the
/// fixture's cleanup finds its containers), optionally the real operator in-process scoped to that tenant, and the
/// dashboard module mapped on a web application of its own on a free loopback port. Disposal removes all of it, also
/// when the test failed half-way.
/// </summary>
internal sealed class DashboardUnderTest : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly DockerTestEnvironment _docker;
    private readonly TestDatabase _database;
    private IHost? _operator;
    private WebApplication? _web;

    public DashboardUnderTest(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output, DashboardSettings? dashboard = null)
    {
        _docker = docker;
        _database = mongo.CreateDatabase(output);
        Mongo = mongo;
        Tenant = docker.NewTenant();
        Settings = TestOperatorSettings.For(mongo, _database, Tenant) with
        {
            IntegrationRequeueInterval = TimeSpan.FromMilliseconds(500),
            DependencyRequeueInterval = TimeSpan.FromMilliseconds(500),
            Dashboard = dashboard ?? new DashboardSettings(),
        };
    }

    public string Tenant { get; }

    public MongoTestTarget Mongo { get; }

    public OperatorSettings Settings { get; }

    public IMongoDatabase Database => _database.Database;

    /// <summary>The database's connection string for mongosh (the Mongosh runner keeps the password off its command line).</summary>
    public string ConnectionString => new MongoUrlBuilder(Mongo.ConnectionString) { DatabaseName = _database.Name }.ToString();

    public IMongoCollection<BsonDocument> Collection(string name) => _database.Collection<BsonDocument>(name);

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>
    /// The real operator in-process with its own HTTP host on a free loopback port: the dashboard is served exactly as
    /// `zpm run` serves it, beside the health probes.
    /// </summary>
    public async Task StartOperatorServingDashboardAsync()
    {
        _operator = ZpmOperatorHost.CreateBuilder(Settings with { Http = new HttpSettings { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) } }).Build();
        await _operator.StartAsync();
        BaseUrl = _operator.Services.GetRequiredService<OperatorHttpServer>().BaseAddress ?? throw new InvalidOperationException("the operator serves no HTTP");
    }

    /// <summary>
    /// The dashboard alone, without an operator to act on what the test writes: every registered module mapped on an
    /// application of its own, as the operator's HTTP host maps them.
    /// </summary>
    public async Task StartDashboardAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Settings);
        builder.Services.AddSingleton(Database);
        builder.Services.AddZpmDashboard();
        _web = builder.Build();
        foreach (var module in _web.Services.GetServices<IHttpEndpointModule>())
        {
            module.Map(_web);
        }

        await _web.StartAsync();
        var address = _web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    /// <summary>A ServiceSpec as a user inserts it: zpm/busybox serving HTTP on 8080 published on an automatic host port.</summary>
    public BsonDocument ServiceDocument(string name, BsonDocument? env = null, BsonDocument? annotations = null)
    {
        var metadata = new BsonDocument { ["name"] = name, ["tenant"] = Tenant };
        if (annotations is not null)
        {
            metadata["annotations"] = annotations;
        }

        return new BsonDocument
        {
            ["apiVersion"] = ServiceSpec.ApiVersion,
            ["kind"] = ServiceSpec.KindName,
            ["metadata"] = metadata,
            ["spec"] = new BsonDocument
            {
                ["image"] = DockerTestEnvironment.BusyboxImage,
                ["replicas"] = 1,
                ["env"] = env ?? [],
                ["ports"] = new BsonArray { new BsonDocument { ["container"] = DockerTestEnvironment.BusyboxHttpPort, ["host"] = "auto" } },
            },
        };
    }

    public async Task<BsonDocument?> FindServiceAsync(string name) =>
        await Collection(ZpmCollections.Services).Find(DashboardReadModel.KeyFilter(DashboardKind.Services, Tenant, name)).FirstOrDefaultAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_web is not null)
            {
                await _web.StopAsync();
                await _web.DisposeAsync();
            }

            if (_operator is not null)
            {
                await _operator.StopAsync();
                _operator.Dispose();
            }
        }
        finally
        {
            await _docker.RemoveTenantAsync(Tenant);
            await _database.DisposeAsync();
        }
    }
}
