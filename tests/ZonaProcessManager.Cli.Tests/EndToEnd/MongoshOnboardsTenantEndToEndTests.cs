using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongosh;

namespace ZonaProcessManager.Cli.Tests.EndToEnd;

/// <summary>
/// The tenant onboarding end-to-end check, as a user would do it: `zpm apply` of samples/catalog.yaml against a running `zpm run`,
/// then samples/mongosh/onboard-tenant.js with the real mongosh → every integration of the tenant Running and
/// answering HTTP on its allocated host port on 127.0.0.1 → samples/mongosh/offboard-tenant.js → nothing of the tenant
/// left: containers, network, port allocations, tenants/integrations/services documents. The tenant code carries the
/// Docker test run id, so the run's cleanup finds whatever a failure leaves behind.
/// </summary>
public sealed class MongoshOnboardsTenantEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Database = "zpm";
    private static readonly string[] SampleIntegrations = ["siem-forwarder", "edr-connector", "threat-intel-feed"];
    private static readonly TimeSpan ConvergeDeadline = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly DockerTestEnvironment _docker = new();
    private string _tenant = "";
    private string _dataDirectory = "";
    private ZpmRunProcess? _zpm;
    private MongoClient? _client;

    public Task InitializeAsync()
    {
        _tenant = _docker.NewTenant();
        _dataDirectory = Path.Combine(Path.GetTempPath(), "zpm-e2e-" + _docker.RunId);
        return _docker.InitializeAsync();
    }

    [Fact]
    public async Task A_tenant_onboarded_with_mongosh_serves_http_on_its_ports_and_offboarding_leaves_nothing()
    {
        var mongosh = Mongosh.Locate();
        _zpm = await ZpmRunProcess.StartAsync(_tenant, _dataDirectory);
        _client = new MongoClient(_zpm.ConnectionString);
        var database = _client.GetDatabase(Database);

        var applied = await CliRunner.RunAsync("apply", "-f", Path.Combine(SamplePaths.Directory, "catalog.yaml"), "--mongo", _zpm.ConnectionString);
        Assert.True(applied.ExitCode == 0, applied.Output + applied.Error);

        var onboarded = await RunSampleAsync(mongosh, "onboard-tenant.js");
        Assert.Contains($"inserted tenant {_tenant}", onboarded);

        await WaitAsync(
            async () => string.Join(" ", (await database.GetCollection<BsonDocument>("integrations")
                    .Find(new BsonDocument { ["metadata.tenant"] = _tenant, ["status.phase"] = "Running" }).ToListAsync())
                .Select(document => document["metadata"]["name"].AsString).Order()),
            names => names == string.Join(" ", SampleIntegrations.Order()),
            "all three integrations of the tenant Running");

        var allocations = await database.GetCollection<BsonDocument>("port_allocations").Find(new BsonDocument("tenant", _tenant)).ToListAsync();
        Assert.Equal(SampleIntegrations.Order(), allocations.Select(allocation => allocation["integration"].AsString).Order());
        var ports = allocations.Select(allocation => allocation["port"].ToInt32()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        var portCommand = await CliRunner.RunAsync("port", _tenant, "101", "--mongo", _zpm.ConnectionString);
        Assert.Equal(0, portCommand.ExitCode);
        Assert.Equal(
            allocations.Single(allocation => allocation["integration"].AsString == "siem-forwarder")["port"].ToInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            portCommand.Output.Trim());

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var port in ports)
        {
            // The container may pass its health check a moment before Docker's port forwarding answers: poll briefly.
            var status = await WaitAsync(
                async () => (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode,
                code => code == HttpStatusCode.OK,
                $"HTTP 200 from 127.0.0.1:{port}/healthz");
            Assert.Equal(HttpStatusCode.OK, status);
        }

        var offboarded = await RunSampleAsync(mongosh, "offboard-tenant.js");
        Assert.Contains($"deleted 1 tenant document(s) for {_tenant}", offboarded);

        await WaitAsync(() => LeftoversAsync(database), left => left.Length == 0, $"nothing of tenant {_tenant} left");
        Assert.False(_zpm.HasExited, "zpm run exited during the test:\n" + _zpm.Output);
    }

    [Fact]
    public async Task A_tenant_onboarded_with_zpm_hides_its_secrets_everywhere_and_offboard_wait_returns_when_it_is_gone()
    {
        const string secret = "e2e-very-secret-value";
        _zpm = await ZpmRunProcess.StartAsync(_tenant, _dataDirectory);
        _client = new MongoClient(_zpm.ConnectionString);
        var database = _client.GetDatabase(Database);
        Assert.Equal(0, (await ZpmAsync("apply", "-f", Path.Combine(SamplePaths.Directory, "catalog.yaml"))).ExitCode);

        var onboard = await ZpmAsync("tenant", "onboard", _tenant, "--display-name", "E2E tenant", "-i", "101", "-i", "edr-connector",
            "-p", "api_url=https://siem.example", "-p", "api_key=" + secret, "-p", "client_id=e2e", "-p", "client_secret=" + secret);
        Assert.Equal(0, onboard.ExitCode);

        await WaitAsync(
            async () => string.Join(" ", (await database.GetCollection<BsonDocument>("integrations")
                    .Find(new BsonDocument { ["metadata.tenant"] = _tenant, ["status.phase"] = "Running" }).ToListAsync())
                .Select(document => document["metadata"]["name"].AsString).Order()),
            names => names == "edr-connector siem-forwarder",
            "both integrations of the tenant Running");
        var shown = new[]
        {
            await ZpmAsync("get", "integrations", "-t", _tenant, "-o", "wide"),
            await ZpmAsync("get", "integrations", "-t", _tenant, "-o", "json"),
            await ZpmAsync("get", "integrations", "-t", _tenant, "-o", "yaml"),
            await ZpmAsync("describe", "integration", "siem-forwarder", "-t", _tenant),
            await ZpmAsync("describe", "service", "siem-forwarder", "-t", _tenant),
            await ZpmAsync("get", "services", "-t", _tenant, "-o", "json"),
            await ZpmAsync("get", "services", "-t", _tenant, "-o", "yaml"),
        };
        var tenants = await ZpmAsync("get", "tenants");
        var ports = await ZpmAsync("ports", "-t", _tenant);

        Assert.All(shown, result => Assert.Equal(0, result.ExitCode));
        Assert.All(shown, result => Assert.DoesNotContain(secret, result.Output));
        Assert.All(shown, result => Assert.Contains("***", result.Output));
        Assert.Contains("SIEM_API_URL", shown[4].Output);
        Assert.Matches($@"{_tenant}\s+.*E2E tenant\s+.*Running\s+.*2/2", tenants.Output);
        Assert.Matches($@"{_tenant}\s+.*edr-connector\s+.*api\s+.*\d+", ports.Output);
        Assert.Matches($@"{_tenant}\s+.*siem-forwarder\s+.*http\s+.*\d+", ports.Output);

        var offboard = await ZpmAsync("tenant", "offboard", _tenant, "--wait", "--timeout", "240");

        Assert.Equal(0, offboard.ExitCode);
        Assert.EndsWith($"tenant/{_tenant} offboarded", offboard.Output.TrimEnd());
        await WaitAsync(() => LeftoversAsync(database), left => left.Length == 0, $"nothing of tenant {_tenant} left");
        Assert.False(_zpm.HasExited, "zpm run exited during the test:\n" + _zpm.Output);
    }

    private async Task<CliResult> ZpmAsync(params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--mongo", _zpm!.ConnectionString]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_zpm is not null)
            {
                output.WriteLine("--- zpm output ---\n" + _zpm.Output);
                await _zpm.DisposeAsync();
            }

            _client?.Dispose();
        }
        finally
        {
            // Containers are named zpm-<tenant>-... and the network zpm-tenant-<tenant>: both carry the run id.
            await _docker.DisposeAsync();
        }
    }

    /// <summary>Everything of the tenant that should be gone after offboarding, one line each (empty when clean).</summary>
    private async Task<string> LeftoversAsync(IMongoDatabase database)
    {
        var left = new List<string>();
        var containers = await _docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={_tenant}"] = true },
            },
        });
        left.AddRange(containers.Select(container => "container " + string.Join(",", container.Names)));
        var networkName = Domain.Model.Tenant.NetworkNameFor(_tenant);
        var networks = await _docker.Client.Networks.ListNetworksAsync(new NetworksListParameters());
        left.AddRange(networks.Where(network => network.Name == networkName).Select(network => "network " + network.Name));
        foreach (var (collection, filter) in new (string, BsonDocument)[]
                 {
                     ("port_allocations", new BsonDocument("tenant", _tenant)),
                     ("tenants", new BsonDocument("metadata.name", _tenant)),
                     ("integrations", new BsonDocument("metadata.tenant", _tenant)),
                     ("services", new BsonDocument("metadata.tenant", _tenant)),
                 })
        {
            var count = await database.GetCollection<BsonDocument>(collection).CountDocumentsAsync(filter);
            if (count > 0)
            {
                left.Add($"{count} {collection} document(s)");
            }
        }

        return string.Join("; ", left);
    }

    /// <summary>Runs a sample script as its header comment says, with TENANT set for this run only (not process-wide).</summary>
    private async Task<string> RunSampleAsync(Mongosh mongosh, string script)
    {
        var path = Path.Combine(SamplePaths.Directory, "mongosh", script);
        var result = await mongosh.EvalAsync(_zpm!.ConnectionString.Replace("/?", $"/{Database}?", StringComparison.Ordinal),
            $"process.env.TENANT = '{_tenant}'; load('{path}');");
        output.WriteLine($"$ TENANT={_tenant} mongosh --file {script}\n{result}");
        Assert.True(result.ExitCode == 0, $"mongosh {script} failed: {result}\n--- zpm output ---\n{_zpm.Output}");
        return result.Stdout;
    }

    private async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, string what)
    {
        try
        {
            return await Poll.UntilAsync(probe, accept, ConvergeDeadline, what, PollInterval);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException(timeout.Message + "\n--- zpm output ---\n" + _zpm?.Output, timeout);
        }
    }
}
