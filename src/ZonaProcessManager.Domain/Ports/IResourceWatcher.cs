using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

public enum ChangeKind { Upserted, Deleted, Relist }

/// <summary>A change seen on the store; Relist means "history lost or first start: list everything again".</summary>
public sealed record ResourceChange(ChangeKind Kind, ResourceKey? Key);

/// <summary>Watches the store (change streams), resuming from a persisted token; never ends until cancelled.</summary>
public interface IResourceWatcher
{
    IAsyncEnumerable<ResourceChange> WatchAsync(CancellationToken cancellationToken);
}
