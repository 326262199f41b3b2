using Docker.DotNet;
using Docker.DotNet.Models;
using ContainerStatus = ZonaProcessManager.Domain.Model.ContainerStatus;

namespace ZonaProcessManager.Docker;

/// <summary>
/// The host ports replicas answer on, asked of the engine when someone looks (`zpm describe service`): status holds
/// what the operator needs to reconcile, not addresses that change with every restart (a host port "auto", the node a
/// task moved to). A container's published ports come from its inspect; a Swarm task's host-mode ports from the task
/// list (one call) and its node's address from the node list (one call).
/// </summary>
public static class ReplicaEndpointReader
{
    /// <summary>
    /// The location of each of <paramref name="replicas"/> the engine still knows, by replica id. An engine that does
    /// not answer is a <see cref="Domain.Ports.ContainerRuntimeException"/>; a replica the engine does not list is left out.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ReplicaLocation>> ReadAsync(
        Uri? endpoint, IReadOnlyList<ContainerStatus> replicas, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        using var client = DockerClientFactory.Create(endpoint);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            var locations = new Dictionary<string, ReplicaLocation>(StringComparer.Ordinal);
            var tasks = replicas.Where(replica => replica.Node is not null && replica.Id.Length > 0).ToList();
            if (tasks.Count > 0)
            {
                await ReadTasksAsync(client, tasks, locations, deadline.Token).ConfigureAwait(false);
            }

            foreach (var container in replicas.Where(replica => replica.Node is null && replica.Id.Length > 0))
            {
                if (await ReadContainerAsync(client, container.Id, deadline.Token).ConfigureAwait(false) is { } location)
                {
                    locations[container.Id] = location;
                }
            }

            return locations;
        }
        catch (Exception exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && exception is not DockerApiException)
        {
            throw DockerErrors.TimedOut("read endpoints", "replicas", limit, exception);
        }
        catch (Exception exception) when (DockerErrors.Translate("read endpoints", "replicas", exception, cancellationToken) is { } error)
        {
            throw error;
        }
    }

    private static async Task ReadTasksAsync(DockerClient client, List<ContainerStatus> replicas, Dictionary<string, ReplicaLocation> locations, CancellationToken cancellationToken)
    {
        var listed = await client.Tasks.ListAsync(
            new TasksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["id"] = replicas.ToDictionary(replica => replica.Id, _ => true, StringComparer.Ordinal),
                },
            },
            cancellationToken).ConfigureAwait(false);
        var nodes = (await client.Swarm.ListNodesAsync(cancellationToken).ConfigureAwait(false))
            .ToDictionary(node => node.ID, StringComparer.Ordinal);
        foreach (var task in listed)
        {
            var node = task.NodeID is { } nodeId ? nodes.GetValueOrDefault(nodeId) : null;
            var address = node?.Status?.Addr;
            var endpoints = (task.Status?.PortStatus?.Ports ?? [])
                .Where(port => port.PublishedPort > 0)
                .Select(port => $"{address ?? "?"}:{port.PublishedPort}->{port.TargetPort}/{port.Protocol}")
                .Distinct(StringComparer.Ordinal)
                .ToList();
            locations[task.ID] = new ReplicaLocation(node?.Description?.Hostname, address, endpoints);
        }
    }

    private static async Task<ReplicaLocation?> ReadContainerAsync(DockerClient client, string id, CancellationToken cancellationToken)
    {
        ContainerInspectResponse container;
        try
        {
            container = await client.Containers.InspectContainerAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }

        var endpoints = (container.NetworkSettings?.Ports ?? new Dictionary<string, IList<PortBinding>>())
            .Where(port => port.Value is { Count: > 0 })
            .OrderBy(port => port.Key, StringComparer.Ordinal)
            .SelectMany(port => port.Value.Select(binding => $"{binding.HostIP}:{binding.HostPort}->{port.Key}"))
            .ToList();
        return new ReplicaLocation(null, null, endpoints);
    }
}
