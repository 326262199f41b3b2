using System.Runtime.CompilerServices;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Probing;

/// <summary>
/// The container runtime as the single-host workload runtime sees it when the operator probes: every listed or
/// inspected container labelled zpm.probe carries the probes' verdict as its health (<see cref="ProbeRegistry"/>),
/// exactly where a Docker health check's would be, so planner, status and resync need no change. Removing,
/// restarting or an event of a container stopping ends its following.
/// </summary>
public sealed class ProbedContainerRuntime(IContainerRuntime inner, ProbeRegistry registry) : IContainerRuntime
{
    public async Task<IReadOnlyList<ObservedContainer>> ListAsync(ResourceKey? owner, CancellationToken cancellationToken)
    {
        var containers = await inner.ListAsync(owner, cancellationToken).ConfigureAwait(false);
        return registry.Observe(containers, listedOwner: owner, listedAll: owner is null);
    }

    public async Task<IReadOnlyList<ObservedContainer>> InspectAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken) =>
        registry.Observe(await inner.InspectAsync(containerIds, cancellationToken).ConfigureAwait(false));

    public Task<string> CreateAndStartAsync(DesiredContainer container, CancellationToken cancellationToken) =>
        inner.CreateAndStartAsync(container, cancellationToken);

    public async Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        registry.Forget(containerId);
        await inner.RemoveAsync(containerId, cancellationToken).ConfigureAwait(false);
    }

    public async Task RestartAsync(string containerId, CancellationToken cancellationToken)
    {
        registry.Forget(containerId);
        await inner.RestartAsync(containerId, cancellationToken).ConfigureAwait(false);
    }

    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        inner.EnsureNetworkAsync(name, labels, cancellationToken);

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken) => inner.RemoveNetworkAsync(name, cancellationToken);

    public Task EnsureVolumeAsync(VolumeSpec volume, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        inner.EnsureVolumeAsync(volume, labels, cancellationToken);

    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var containerEvent in inner.WatchEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (containerEvent.Action is "die" or "destroy" or "stop")
            {
                // A stopped process answers no probe; probing it until the next list would only report failures.
                registry.Forget(containerEvent.ContainerId);
            }

            yield return containerEvent;
        }
    }
}
