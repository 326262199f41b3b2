using Docker.DotNet;
using Docker.DotNet.Models;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// The nodes of the swarm an engine manages, with how many tasks each runs: two calls (node list, task list), whatever
/// the number of nodes. An engine that is not a Swarm manager is refused with <see cref="NotASwarmManagerException"/>,
/// which says what the engine is instead of Docker's bare 503.
/// </summary>
public static class SwarmNodeLister
{
    public static async Task<IReadOnlyList<SwarmNode>> ListAsync(Uri? endpoint, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var client = DockerClientFactory.Create(endpoint);
        return await ListAsync(client, cancellationToken, timeout).ConfigureAwait(false);
    }

    public static async Task<IReadOnlyList<SwarmNode>> ListAsync(DockerClient client, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var limit = timeout ?? SwarmEngineProbe.DefaultTimeout;
        var state = await SwarmEngineProbe.ProbeAsync(client, cancellationToken, limit).ConfigureAwait(false);
        if (!state.IsActiveManager)
        {
            throw new NotASwarmManagerException("Listing the swarm's nodes", state);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        IList<NodeListResponse> nodes;
        IList<TaskResponse> tasks;
        try
        {
            nodes = await client.Swarm.ListNodesAsync(deadline.Token).ConfigureAwait(false);
            tasks = await client.Tasks.ListAsync(
                new TasksListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>> { ["desired-state"] = new Dictionary<string, bool> { ["running"] = true } },
                },
                deadline.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && exception is not DockerApiException)
        {
            throw DockerErrors.TimedOut("list nodes", "swarm", limit, exception);
        }
        catch (Exception exception) when (DockerErrors.Translate("list nodes", "swarm", exception, cancellationToken) is { } error)
        {
            throw error;
        }

        var tasksPerNode = tasks
            .Where(task => !string.IsNullOrEmpty(task.NodeID))
            .GroupBy(task => task.NodeID!, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Count(), StringComparer.Ordinal);
        return nodes
            .Select(node => new SwarmNode(
                node.ID,
                node.Description?.Hostname ?? "",
                node.Spec?.Role ?? "",
                node.Spec?.Availability ?? "",
                node.Status?.State ?? "",
                node.ManagerStatus?.Leader ?? false,
                node.Status?.Addr ?? "",
                tasksPerNode.GetValueOrDefault(node.ID)))
            .OrderBy(node => node.Role == "manager" ? 0 : 1)
            .ThenBy(node => node.Hostname, StringComparer.Ordinal)
            .ThenBy(node => node.Id, StringComparer.Ordinal)
            .ToList();
    }
}
