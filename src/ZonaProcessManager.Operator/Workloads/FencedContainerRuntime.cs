using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Workloads;

/// <summary>
/// Checks the leadership term before every call that changes the engine (create, remove, restart, network, volume),
/// not once per plan as <see cref="FencedWorkloadRuntime"/> does: a plan of several steps can outlast the renew
/// deadline (a rollout of many replicas, a slow engine, a process paused between two steps), and a term that lapsed
/// after step one must not run step two while the next leader works. Each call throws
/// <see cref="LeadershipFenceException"/> unless the store confirmed the term within the renew deadline
/// (<see cref="ILeadershipContext.IsConfirmed"/>). Listing, inspecting and the event stream change nothing and pass.
/// </summary>
/// <remarks>
/// This narrows the window to one engine call; it cannot close it, because Docker takes no fencing token. A call
/// that was already sent when the process stopped still lands; the next leader sees its container through the event
/// stream and removes or keeps it by the plan, as for any container it did not create.
/// </remarks>
public sealed class FencedContainerRuntime(IContainerRuntime inner, ILeadershipContext leadership) : IContainerRuntime
{
    public Task<IReadOnlyList<ObservedContainer>> ListAsync(ResourceKey? owner, CancellationToken cancellationToken) => inner.ListAsync(owner, cancellationToken);

    public Task<IReadOnlyList<ObservedContainer>> InspectAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken) =>
        inner.InspectAsync(containerIds, cancellationToken);

    public Task<string> CreateAndStartAsync(DesiredContainer container, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(CreateAndStartAsync));
        return inner.CreateAndStartAsync(container, cancellationToken);
    }

    public Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(RemoveAsync));
        return inner.RemoveAsync(containerId, cancellationToken);
    }

    public Task RestartAsync(string containerId, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(RestartAsync));
        return inner.RestartAsync(containerId, cancellationToken);
    }

    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(EnsureNetworkAsync));
        return inner.EnsureNetworkAsync(name, labels, cancellationToken);
    }

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(RemoveNetworkAsync));
        return inner.RemoveNetworkAsync(name, cancellationToken);
    }

    public Task EnsureVolumeAsync(VolumeSpec volume, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        leadership.ConfirmedTerm(nameof(EnsureVolumeAsync));
        return inner.EnsureVolumeAsync(volume, labels, cancellationToken);
    }

    public IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken) => inner.WatchEventsAsync(cancellationToken);
}
