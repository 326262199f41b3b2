using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Docker;

/// <summary>
/// An <see cref="IContainerRuntime"/> that counts and times every call of the one it wraps
/// (<see cref="DockerRequestMetrics"/>), so the engine adapter itself stays free of bookkeeping. The event stream is
/// passed through: it is one long-lived request, not something to count.
/// </summary>
public sealed class MeasuredContainerRuntime(IContainerRuntime inner, DockerRequestMetrics metrics) : IContainerRuntime
{
    public Task<IReadOnlyList<ObservedContainer>> ListAsync(ResourceKey? owner, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("list", () => inner.ListAsync(owner, cancellationToken));

    public Task<IReadOnlyList<ObservedContainer>> InspectAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("inspect", () => inner.InspectAsync(containerIds, cancellationToken));

    public Task<string> CreateAndStartAsync(DesiredContainer container, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("create", () => inner.CreateAndStartAsync(container, cancellationToken));

    public Task RemoveAsync(string containerId, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("remove", () => inner.RemoveAsync(containerId, cancellationToken));

    public Task RestartAsync(string containerId, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("restart", () => inner.RestartAsync(containerId, cancellationToken));

    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("ensure_network", () => inner.EnsureNetworkAsync(name, labels, cancellationToken));

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("remove_network", () => inner.RemoveNetworkAsync(name, cancellationToken));

    public Task EnsureVolumeAsync(VolumeSpec volume, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        metrics.MeasureAsync("ensure_volume", () => inner.EnsureVolumeAsync(volume, labels, cancellationToken));

    public IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken) => inner.WatchEventsAsync(cancellationToken);
}
