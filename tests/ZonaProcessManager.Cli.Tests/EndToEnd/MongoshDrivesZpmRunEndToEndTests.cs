using System.Net;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongosh;

namespace ZonaProcessManager.Cli.Tests.EndToEnd;

/// <summary>
/// The operator's end-to-end check, as a user would do it: the real `zpm run` binary as a child process (embedded store) and
/// the real mongosh as the only client. Insert a ServiceSpec → Running with a container → replicas 3 → three containers
/// → deleteOne → none left. The operator is scoped to this run's unique tenant (--tenant) so it never treats another
/// test run's containers on the shared Docker host as orphans; cleanup kills zpm first (so nothing is recreated), then
/// removes whatever containers of the tenant are left, also when the test failed.
/// </summary>
public sealed class MongoshDrivesZpmRunEndToEndTests : IAsyncLifetime
{
    private const string Database = "zpm";
    private const string ServiceName = "web";
    private static readonly TimeSpan ConvergeDeadline = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly DockerTestEnvironment _docker = new();
    private readonly string _tenant;
    private readonly string _dataDirectory;
    private ZpmRunProcess? _zpm;

    public MongoshDrivesZpmRunEndToEndTests()
    {
        _tenant = _docker.NewTenant();
        _dataDirectory = Path.Combine(Path.GetTempPath(), "zpm-e2e-" + _docker.RunId);
    }

    public Task InitializeAsync() => _docker.InitializeAsync();

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ServiceSpecInsertedWithMongoshRunsScalesAndIsRemovedByTheZpmBinary()
    {
        var mongosh = Mongosh.Locate();
        var connectionString = await StartZpmRunAsync();

        // zpm run started its store with authentication: the operator logged in in-process, the password is only in
        // the owner-only file, and a shell without a login is refused.
        var passwordFile = Path.Combine(_dataDirectory, "mongo", "zpm-admin.password");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        Assert.DoesNotContain(File.ReadLines(passwordFile).First().Trim(), ZpmOutput());
        var anonymous = await mongosh.EvalAsync(_zpm!.PrintedConnectionString, $"db.getSiblingDB('{Database}').services.countDocuments({{}})");
        Assert.Contains("requires authentication", anonymous.Stdout + anonymous.Stderr);

        await EvalAsync(mongosh, connectionString, $$"""
            db.getSiblingDB('{{Database}}').services.insertOne({
              apiVersion: 'zpm/v1', kind: 'ServiceSpec',
              metadata: { name: '{{ServiceName}}', tenant: '{{_tenant}}' },
              spec: {
                image: '{{DockerTestEnvironment.BusyboxImage}}',
                command: ['/bin/httpd', '-f', '-p', '{{DockerTestEnvironment.BusyboxHttpPort}}', '-h', '/www'],
                replicas: 1,
                // Lenient probe: on a loaded host a 1 s timeout marks a healthy httpd unhealthy and the operator restarts it.
                healthCheck: { http: { port: {{DockerTestEnvironment.BusyboxHttpPort}}, path: '/healthz' }, intervalSeconds: 2, timeoutSeconds: 10, retries: 5, startPeriodSeconds: 60 }
              }
            })
            """);

        await WaitForRunningAsync(mongosh, connectionString, replicas: 1);
        await WaitForRunningContainersAsync(1);

        await EvalAsync(mongosh, connectionString, $$"""
            const result = db.getSiblingDB('{{Database}}').services.updateOne(
              { 'metadata.tenant': '{{_tenant}}', 'metadata.name': '{{ServiceName}}' },
              { $set: { 'spec.replicas': 3 } });
            if (Number(result.modifiedCount) !== 1) { throw new Error('updateOne modified ' + result.modifiedCount); }
            """);

        await WaitForRunningAsync(mongosh, connectionString, replicas: 3);
        await WaitForRunningContainersAsync(3);

        await EvalAsync(mongosh, connectionString, $$"""
            const result = db.getSiblingDB('{{Database}}').services.deleteOne(
              { 'metadata.tenant': '{{_tenant}}', 'metadata.name': '{{ServiceName}}' });
            if (Number(result.deletedCount) !== 1) { throw new Error('deleteOne deleted ' + result.deletedCount); }
            """);

        var left = await Poll.UntilAsync(
            () => TenantContainersAsync(runningOnly: false),
            containers => containers.Count == 0,
            ConvergeDeadline,
            $"every container of tenant {_tenant} to be removed after deleteOne",
            PollInterval);
        Assert.Empty(left);
        Assert.False(_zpm!.HasExited, "zpm run exited during the test:\n" + ZpmOutput());
    }

    public async Task DisposeAsync()
    {
        try
        {
            await StopZpmAsync();
            await RemoveTenantContainersAsync();
        }
        finally
        {
            await _docker.DisposeAsync();
        }
    }

    private async Task<string> StartZpmRunAsync()
    {
        _zpm = await ZpmRunProcess.StartAsync(_tenant, _dataDirectory);
        return _zpm.ConnectionString;
    }

    private string ZpmOutput() => _zpm?.Output ?? "";

    private async Task<MongoshResult> EvalAsync(Mongosh mongosh, string connectionString, string script)
    {
        var result = await mongosh.EvalAsync(connectionString, script);
        Assert.True(result.ExitCode == 0, $"mongosh failed: {result}\n--- zpm output ---\n{ZpmOutput()}");
        return result;
    }

    /// <summary>Polls with mongosh (a find, as a user would) until status.phase is Running with all replicas ready.</summary>
    private async Task WaitForRunningAsync(Mongosh mongosh, string connectionString, int replicas)
    {
        var script = $$"""
            const doc = db.getSiblingDB('{{Database}}').services.findOne(
              { 'metadata.tenant': '{{_tenant}}', 'metadata.name': '{{ServiceName}}' });
            print(JSON.stringify(doc && doc.status ? doc.status : null));
            """;
        try
        {
            await Poll.UntilAsync(
                async () => (await EvalAsync(mongosh, connectionString, script)).Stdout.Trim(),
                stdout => IsRunningWith(stdout, replicas),
                ConvergeDeadline,
                $"status.phase Running with {replicas} ready replicas of {_tenant}/{ServiceName}",
                PollInterval);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException(timeout.Message + "\n--- zpm output ---\n" + ZpmOutput(), timeout);
        }
    }

    private static bool IsRunningWith(string statusJson, int replicas)
    {
        using var status = JsonDocument.Parse(statusJson);
        var root = status.RootElement;
        return root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("phase", out var phase) && phase.GetString() == "Running"
            && root.TryGetProperty("replicas", out var counts)
            && counts.TryGetProperty("ready", out var ready) && ready.GetInt32() == replicas;
    }

    private async Task WaitForRunningContainersAsync(int count)
    {
        var running = await Poll.UntilAsync(
            () => TenantContainersAsync(runningOnly: true),
            containers => containers.Count == count,
            ConvergeDeadline,
            $"{count} running containers of tenant {_tenant}",
            PollInterval);
        Assert.All(running, container => Assert.Equal(ServiceName, container.Labels[ZpmLabels.Name]));
    }

    private async Task<IList<ContainerListResponse>> TenantContainersAsync(bool runningOnly)
    {
        var filters = new Dictionary<string, IDictionary<string, bool>>
        {
            ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={_tenant}"] = true },
        };
        if (runningOnly)
        {
            filters["status"] = new Dictionary<string, bool> { ["running"] = true };
        }

        return await _docker.Client.Containers.ListContainersAsync(
            new ContainersListParameters { All = !runningOnly, Filters = filters });
    }

    private async Task StopZpmAsync()
    {
        if (_zpm is not null)
        {
            await _zpm.DisposeAsync();
        }
    }

    /// <summary>After zpm is gone nothing recreates them; by the zpm.tenant label, since zpm sets no test-run label.</summary>
    private async Task RemoveTenantContainersAsync()
    {
        foreach (var container in await TenantContainersAsync(runningOnly: false))
        {
            try
            {
                await _docker.Client.Containers.RemoveContainerAsync(
                    container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
            }
            catch (DockerApiException gone) when (gone.StatusCode == HttpStatusCode.NotFound)
            {
                // Removed meanwhile (e.g. by Docker's own cleanup of a dying container).
            }
        }
    }
}
