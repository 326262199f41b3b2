using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Web.Tests;

/// <summary>
/// The real operator host in-process (MongoDB and Docker adapters, as `zpm run` builds it) serving HTTP on a free
/// loopback port, scoped to a fresh tenant of the Docker run (so cleanup finds its containers by name) and a fresh
/// database. <see cref="DisposeAsync"/> removes what it created, also after a failed test.
/// </summary>
internal sealed class OperatorWithHttp : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly DockerTestEnvironment _docker;
    private readonly TestDatabase _database;
    private IHost? _host;

    public OperatorWithHttp(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output, Func<OperatorSettings, OperatorSettings>? adjust = null)
    {
        _docker = docker;
        _database = mongo.CreateDatabase(output);
        Tenant = docker.NewTenant();
        var settings = TestOperatorSettings.For(mongo, _database, Tenant) with
        {
            Http = new HttpSettings { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) },
        };
        Settings = adjust is null ? settings : adjust(settings);
    }

    public string Tenant { get; }

    public OperatorSettings Settings { get; }

    public IMongoCollection<BsonDocument> Services => _database.Collection<BsonDocument>(ZpmCollections.Services);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public IServiceProvider Provider => _host?.Services ?? throw new InvalidOperationException("operator not running");

    public async Task StartAsync(Action<IServiceCollection>? configureServices = null)
    {
        _host = ZpmOperatorHost.CreateBuilder(Settings, configureServices).Build();
        await _host.StartAsync();
        Http.BaseAddress = _host.Services.GetRequiredService<OperatorHttpServer>().BaseAddress;
    }

    /// <summary>Status code and parsed JSON body of GET <paramref name="path"/>.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Polls GET <paramref name="path"/> until it answers <paramref name="status"/>; returns that answer's body.</summary>
    public Task<JsonElement> WaitForStatusAsync(string path, HttpStatusCode status, string? role = null) =>
        WaitForAsync(
            path,
            (code, body) => code == status && (role is null || body.GetProperty("role").GetString() == role),
            $"{path} to answer {(int)status}{(role is null ? "" : " as " + role)}");

    /// <summary>Polls GET <paramref name="path"/> until its answer satisfies <paramref name="condition"/>; returns that answer's body.</summary>
    public async Task<JsonElement> WaitForAsync(string path, Func<HttpStatusCode, JsonElement, bool> condition, string what)
    {
        (HttpStatusCode Status, JsonElement Body) last = default;
        try
        {
            await Eventually.TrueAsync(async () => condition((last = await GetJsonAsync(path)).Status, last.Body), Deadline, what);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}; last answer {(int)last.Status}: {last.Body}", timeout);
        }

        return last.Body;
    }

    /// <summary>A ServiceSpec as a user would insert it with mongosh: zpm/busybox serving HTTP on 8080.</summary>
    public BsonDocument ServiceDocument(string name) => new()
    {
        ["_id"] = $"{Tenant}/{name}",
        ["apiVersion"] = ServiceSpec.ApiVersion,
        ["kind"] = ServiceSpec.KindName,
        ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = Tenant },
        ["spec"] = new BsonDocument
        {
            ["image"] = DockerTestEnvironment.BusyboxImage,
            ["replicas"] = 1,
            ["ports"] = new BsonArray { new BsonDocument { ["container"] = DockerTestEnvironment.BusyboxHttpPort, ["host"] = "auto" } },
        },
    };

    public async Task WaitRunningAsync(string name) =>
        await Eventually.TrueAsync(
            async () => await Services.Find(Builders<BsonDocument>.Filter.Eq("_id", $"{Tenant}/{name}")).FirstOrDefaultAsync() is { } document
                && document.TryGetValue("status", out var status) && status.AsBsonDocument.GetValue("phase", "") == "Running",
            Deadline,
            $"{name} Running");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            if (_host is not null)
            {
                await _host.StopAsync();
                _host.Dispose();
                _host = null;
            }
        }
        finally
        {
            await _docker.RemoveTenantAsync(Tenant);
            await _database.DisposeAsync();
        }
    }
}
