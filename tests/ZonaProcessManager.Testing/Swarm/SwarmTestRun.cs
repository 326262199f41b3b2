using System.Net;
using System.Security.Cryptography;
using Docker.DotNet;
using Docker.DotNet.Models;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;

namespace ZonaProcessManager.Testing.Swarm;

/// <summary>
/// One test class's (or one test's) share of the swarm lab: a run id that goes into every tenant, service and network
/// name and into the zpm.test-run label, so two runs and two test classes on the same lab never touch each other's
/// objects. Disposing removes every service and then every network of this run from the swarm, also after a failed
/// test, and waits until their tasks' containers are gone from every node.
/// </summary>
public sealed class SwarmTestRun : IAsyncDisposable
{
    private static readonly TimeSpan CleanupDeadline = TimeSpan.FromSeconds(90);
    private int _nameCounter;
    private int _disposed;

    public SwarmTestRun(SwarmLab lab)
    {
        Lab = lab ?? throw new ArgumentNullException(nameof(lab));
        // Lowercase letters and digits only: valid in service, network and tenant names and in DNS labels.
        RunId = "s" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        Manager = lab.CreateManagerClient();
    }

    public SwarmLab Lab { get; }

    /// <summary>Unique per run; every object of this run has it in its name or in its zpm.test-run label.</summary>
    public string RunId { get; }

    /// <summary>A client on the lab's manager.</summary>
    public DockerClient Manager { get; }

    /// <summary>Labels to put on anything the test itself creates on the swarm.</summary>
    public IReadOnlyDictionary<string, string> RunLabels =>
        new Dictionary<string, string> { [ZpmLabels.TestRun] = RunId };

    /// <summary>A fresh tenant code containing the run id: zpm names its services zpm-&lt;tenant&gt;-… and its network zpm-tenant-&lt;tenant&gt;.</summary>
    public string NewTenant() => $"t{RunId}x{Interlocked.Increment(ref _nameCounter)}";

    /// <summary>A fresh service or network name containing the run id.</summary>
    public string NewName(string prefix) => $"{prefix}-{RunId}-{Interlocked.Increment(ref _nameCounter)}";

    public bool Owns(string name, IDictionary<string, string>? labels) =>
        name.Contains(RunId, StringComparison.Ordinal)
        || (labels is not null && labels.TryGetValue(ZpmLabels.TestRun, out var run) && run == RunId);

    public async ValueTask DisposeAsync()
    {
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
            Manager.Dispose();
        }
    }

    /// <summary>Services first (their tasks hold the networks), then networks once no container of the run is left.</summary>
    public async Task RemoveEverythingOfThisRunAsync()
    {
        var failures = new List<string>();
        var services = await Manager.Swarm.ListServicesAsync().ConfigureAwait(false);
        foreach (var service in services.Where(s => s.Spec is { } spec && Owns(spec.Name ?? "", spec.Labels)))
        {
            await TryAsync(failures, $"service {service.Spec!.Name}", () => Manager.Swarm.RemoveServiceAsync(service.ID))
                .ConfigureAwait(false);
        }

        await Poll.UntilAsync(
            ContainersOfThisRunAsync,
            left => left.Count == 0,
            CleanupDeadline,
            $"the containers of test run {RunId} to go from every lab node").ConfigureAwait(false);

        var networks = await Manager.Networks.ListNetworksAsync(new NetworksListParameters()).ConfigureAwait(false);
        foreach (var network in networks.Where(n => n.Scope == "swarm" && Owns(n.Name, n.Labels)))
        {
            await TryAsync(failures, $"network {network.Name}", () => Manager.Networks.DeleteNetworkAsync(network.ID))
                .ConfigureAwait(false);
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"Cleanup of swarm test run {RunId} left objects behind: {string.Join("; ", failures)}");
        }
    }

    /// <summary>Containers of this run on any node; a node whose dockerd does not answer counts as holding none.</summary>
    private async Task<List<string>> ContainersOfThisRunAsync()
    {
        var left = new List<string>();
        foreach (var node in Lab.Nodes)
        {
            using var client = SwarmLab.CreateClient(node);
            try
            {
                var containers = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true })
                    .ConfigureAwait(false);
                left.AddRange(containers
                    .Where(c => c.Names.Any(name => name.Contains(RunId, StringComparison.Ordinal))
                                || (c.Labels.TryGetValue("com.docker.swarm.service.name", out var service) && Owns(service, c.Labels)))
                    .Select(c => $"{node.Hostname}:{string.Join(",", c.Names)}"));
            }
            catch (Exception exception) when (exception is HttpRequestException or DockerApiException or IOException)
            {
                // A stopped node's containers went with its dockerd.
            }
        }

        return left;
    }

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
