using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>A Docker event about an owned container that should make its owner reconcile.</summary>
/// <param name="ContainerName">The container's name as the engine reported it (without Docker's leading '/'), if it did.</param>
public sealed record ContainerEvent(ResourceKey Owner, string ContainerId, string Action, DateTimeOffset Time, string? ContainerName = null);

/// <summary>The operator's view of a container engine. Implemented by the Docker adapter.</summary>
public interface IContainerRuntime
{
    /// <summary>Containers carrying zpm.managed=true (optionally only one owner's), running or not.</summary>
    Task<IReadOnlyList<ObservedContainer>> ListAsync(ResourceKey? owner, CancellationToken cancellationToken);

    /// <summary>
    /// The given owned containers as they are now, in the order of <see cref="ListAsync"/>; ids that no longer exist
    /// are left out. Cheaper than a list when the ids are known: a list makes the engine walk every container.
    /// </summary>
    Task<IReadOnlyList<ObservedContainer>> InspectAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken);

    /// <summary>Creates and starts the container; returns its id. Docker's message is kept in the exception.</summary>
    Task<string> CreateAndStartAsync(DesiredContainer container, CancellationToken cancellationToken);

    /// <summary>Stops (with grace period) and removes; a container already gone is not an error. Named volumes are kept.</summary>
    Task RemoveAsync(string containerId, CancellationToken cancellationToken);

    Task RestartAsync(string containerId, CancellationToken cancellationToken);

    Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);

    Task RemoveNetworkAsync(string name, CancellationToken cancellationToken);

    Task EnsureVolumeAsync(VolumeSpec volume, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);

    /// <summary>die, destroy, health_status, oom, start for owned containers, until cancelled; reconnects by itself.</summary>
    IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken);
}
