using System.Net;
using System.Security.Cryptography;
using Docker.DotNet;
using Docker.DotNet.Models;
using Xunit;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Testing.Docker;

/// <summary>
/// The real Docker Engine for integration tests, as an xunit fixture (IClassFixture/ICollectionFixture) or created
/// by hand. It fails loudly when Docker or the local images are missing, gives each run a unique id to put in names
/// and in the zpm.test-run label, and on dispose removes every container, network and volume of that run, even
/// after failed tests. Two runs at once never touch each other's objects.
/// </summary>
public sealed class DockerTestEnvironment : IAsyncLifetime, IAsyncDisposable
{
    public const string BusyboxImage = "zpm/busybox:latest";
    public const string UnhealthyBusyboxImage = "zpm/busybox:unhealthy";

    /// <summary>Port the zpm/busybox images' httpd listens on (the unhealthy one listens elsewhere).</summary>
    public const int BusyboxHttpPort = 8080;

    private int _nameCounter;
    private int _disposed;

    public DockerTestEnvironment()
    {
        // Lowercase letters and digits only: valid in container, network and volume names and in DNS labels.
        RunId = "r" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        Client = DockerClientFactory.Create();
        Runtime = new DockerContainerRuntime(Client, new DockerRuntimeOptions { StopGracePeriod = TimeSpan.FromSeconds(2) });
    }

    /// <summary>Unique per environment; every object of this run has it in its name or its zpm.test-run label.</summary>
    public string RunId { get; }

    public DockerClient Client { get; }

    /// <summary>The adapter under test, with a short stop grace period so cleanup is quick.</summary>
    public DockerContainerRuntime Runtime { get; }

    /// <summary>Labels to put on everything a test creates (DesiredContainer.ExtraLabels, networks, volumes).</summary>
    public IReadOnlyDictionary<string, string> RunLabels =>
        new Dictionary<string, string> { [ZpmLabels.TestRun] = RunId };

    /// <summary>A fresh tenant name that contains the run id, so containers named zpm-&lt;tenant&gt;-... are this run's.</summary>
    public string NewTenant() => $"t{RunId}x{Interlocked.Increment(ref _nameCounter)}";

    /// <summary>A fresh network/volume/service name that contains the run id.</summary>
    public string NewName(string prefix) => $"{prefix}-{RunId}-{Interlocked.Increment(ref _nameCounter)}";

    /// <summary>The host port Docker published <paramref name="containerPort"/>/tcp on (auto ports are known only after start).</summary>
    public async Task<int> HostPortAsync(string containerId, int containerPort)
    {
        var inspection = await Client.Containers.InspectContainerAsync(containerId).ConfigureAwait(false);
        if (inspection.NetworkSettings?.Ports is { } ports
            && ports.TryGetValue($"{containerPort}/tcp", out var bindings)
            && bindings is { Count: > 0 }
            && int.TryParse(bindings[0].HostPort, out var hostPort))
        {
            return hostPort;
        }

        throw new InvalidOperationException($"Container {containerId} publishes no host port for {containerPort}/tcp.");
    }

    /// <summary>
    /// Removes every container <paramref name="tenant"/> owns and its tenant network: what an operator under test made
    /// for one tenant, removed when that test ends (also half-way through) rather than at the end of the run.
    /// </summary>
    public async Task RemoveTenantAsync(string tenant)
    {
        foreach (var container in await Runtime.ListAsync(null, CancellationToken.None).ConfigureAwait(false))
        {
            if (container.Owner.Tenant == tenant)
            {
                await Runtime.RemoveAsync(container.Id, CancellationToken.None).ConfigureAwait(false);
            }
        }

        await Runtime.RemoveNetworkAsync(Domain.Model.Tenant.NetworkNameFor(tenant), CancellationToken.None).ConfigureAwait(false);
    }

    public async Task InitializeAsync()
    {
        try
        {
            await Client.System.PingAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                $"Docker Engine is not reachable ({exception.GetBaseException().Message}). "
                + "Run scripts/ensure-docker.sh (or set DOCKER_HOST) before the Docker tests.",
                exception);
        }

        foreach (var image in new[] { BusyboxImage, UnhealthyBusyboxImage })
        {
            try
            {
                await Client.Images.InspectImageAsync(image).ConfigureAwait(false);
            }
            catch (DockerApiException notFound) when (notFound.StatusCode == HttpStatusCode.NotFound)
            {
                throw new InvalidOperationException(
                    $"Test image {image} is missing. Run scripts/build-images.sh before the Docker tests.", notFound);
            }
        }
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        // xunit may dispose a fixture through both IAsyncLifetime and IAsyncDisposable; clean up once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await RemoveEverythingOfThisRunAsync().ConfigureAwait(false);
        }
        finally
        {
            Runtime.Dispose();
            Client.Dispose();
        }
    }

    /// <summary>Removes this run's containers, then networks and volumes (they can go only once unused).</summary>
    public async Task RemoveEverythingOfThisRunAsync()
    {
        var failures = new List<string>();

        var containers = await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true })
            .ConfigureAwait(false);
        foreach (var container in containers.Where(c => BelongsToRun(c.Labels, c.Names)))
        {
            await TryAsync(failures, $"container {container.ID}", () => Client.Containers.RemoveContainerAsync(
                container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true })).ConfigureAwait(false);
        }

        var networks = await Client.Networks.ListNetworksAsync(new NetworksListParameters()).ConfigureAwait(false);
        foreach (var network in networks.Where(n => BelongsToRun(n.Labels, [n.Name])))
        {
            await TryAsync(failures, $"network {network.Name}", () => Client.Networks.DeleteNetworkAsync(network.ID))
                .ConfigureAwait(false);
        }

        var volumes = await Client.Volumes.ListAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var volume in (volumes.Volumes ?? []).Where(v => BelongsToRun(v.Labels, [v.Name])))
        {
            await TryAsync(failures, $"volume {volume.Name}", () => Client.Volumes.RemoveAsync(volume.Name, force: true))
                .ConfigureAwait(false);
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException(
                $"Cleanup of test run {RunId} left objects behind: {string.Join("; ", failures)}");
        }
    }

    private bool BelongsToRun(IDictionary<string, string>? labels, IEnumerable<string>? names) =>
        (labels is not null && labels.TryGetValue(ZpmLabels.TestRun, out var run) && run == RunId)
        || (names ?? []).Any(n => n.Contains(RunId, StringComparison.Ordinal));

    private static async Task TryAsync(List<string> failures, string what, Func<Task> remove)
    {
        try
        {
            await remove().ConfigureAwait(false);
        }
        catch (DockerApiException gone) when (gone.StatusCode == HttpStatusCode.NotFound)
        {
            // Already removed by the test itself.
        }
        catch (DockerApiException exception)
        {
            failures.Add($"{what}: {exception.ResponseBody?.Trim()}");
        }
    }
}
