using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// A ServiceSpec as read from the store. When the document cannot be understood (validator bypassed, old data),
/// Spec is null and InvalidReason says why, so the operator can report it in status instead of crashing.
/// </summary>
public sealed record StoredService(ResourceKey Key, string Uid, ServiceSpec? Spec, string? InvalidReason, ServiceStatus? Status)
{
    public bool DeletionRequested => Spec?.Metadata.DeletionRequested ?? false;
}

/// <summary>Desired state and status of ServiceSpecs. Implemented by the MongoDB adapter.</summary>
public interface IServiceStore
{
    Task<IReadOnlyList<StoredService>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Null when the document does not exist (deleted).</summary>
    Task<StoredService?> GetAsync(ResourceKey key, CancellationToken cancellationToken);

    /// <summary>Replaces status only; never touches spec or metadata, so it never races a user's spec edit.</summary>
    Task WriteStatusAsync(ResourceKey key, ServiceStatus status, CancellationToken cancellationToken);

    /// <summary>Removes the document once its teardown is finished (zpm delete flow).</summary>
    Task DeleteAsync(ResourceKey key, CancellationToken cancellationToken);
}

public enum ChangeKind { Upserted, Deleted, Relist }

/// <summary>A change seen on the store; Relist means "history lost or first start: list everything again".</summary>
public sealed record ResourceChange(ChangeKind Kind, ResourceKey? Key);

/// <summary>Watches the store (change streams), resuming from a persisted token; never ends until cancelled.</summary>
public interface IResourceWatcher
{
    IAsyncEnumerable<ResourceChange> WatchAsync(CancellationToken cancellationToken);
}
