using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// The revision history of each ServiceSpec (<see cref="ServiceRevision"/>). Implemented by the MongoDB adapter
/// (collection `revisions`); the operator core's default keeps it in memory.
/// </summary>
public interface IRevisionStore
{
    /// <summary>
    /// Makes <paramref name="spec"/> the service's newest revision and returns it. Idempotent: when the newest revision
    /// already has <paramref name="specHash"/>, that one is returned unchanged (its spec is not rewritten, so fields
    /// outside the hash keep the values of the first write). An older revision with the same hash is renumbered as the
    /// newest. Afterwards at most <paramref name="keep"/> revisions remain, the oldest going first.
    /// </summary>
    Task<ServiceRevision> RecordAsync(
        ResourceKey service, ServiceSpecBody spec, string specHash, string changeCause, DateTimeOffset now, int keep, CancellationToken cancellationToken);

    /// <summary>The service's revisions, oldest first (empty when it has none).</summary>
    Task<IReadOnlyList<ServiceRevision>> ListAsync(ResourceKey service, CancellationToken cancellationToken);

    /// <summary>Revision <paramref name="number"/> of the service, or null when it is not kept.</summary>
    Task<ServiceRevision?> GetAsync(ResourceKey service, long number, CancellationToken cancellationToken);

    /// <summary>Forgets every revision of the service (its document is gone).</summary>
    Task DeleteAllAsync(ResourceKey service, CancellationToken cancellationToken);
}
