using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

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
