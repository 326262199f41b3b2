using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>Tenants, the catalog, IntegrationSpecs, their child ServiceSpecs and host-port allocations. Implemented by the MongoDB adapter.</summary>
public interface IIntegrationStore
{
    Task<IReadOnlyList<StoredDefinition>> ListCatalogAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredTenant>> ListTenantsAsync(CancellationToken cancellationToken);

    /// <summary>Null when no tenant document has this code.</summary>
    Task<StoredTenant?> GetTenantAsync(string code, CancellationToken cancellationToken);

    /// <summary>All IntegrationSpecs, or only one tenant's.</summary>
    Task<IReadOnlyList<StoredIntegration>> ListIntegrationsAsync(string? tenant, CancellationToken cancellationToken);

    Task<StoredIntegration?> GetIntegrationAsync(ResourceKey key, CancellationToken cancellationToken);

    /// <summary>`$set: {status}` only.</summary>
    Task WriteTenantStatusAsync(string code, TenantStatus status, CancellationToken cancellationToken);

    /// <summary>`$set: {status}` only.</summary>
    Task WriteIntegrationStatusAsync(ResourceKey key, IntegrationStatus status, CancellationToken cancellationToken);

    /// <summary>Sets metadata.ownerReferences of the IntegrationSpec to exactly [owner] (tenant adoption).</summary>
    Task SetIntegrationOwnerAsync(ResourceKey key, OwnerReference owner, CancellationToken cancellationToken);

    Task DeleteIntegrationAsync(ResourceKey key, CancellationToken cancellationToken);

    Task DeleteTenantAsync(string code, CancellationToken cancellationToken);

    /// <summary>
    /// Upserts an operator-owned child ServiceSpec in `services`: apiVersion, kind, metadata (name, tenant, labels,
    /// annotations, ownerReferences) and spec are overwritten — a hand edit of the spec is put back — while status and
    /// metadata.deletionRequested are left as they are. New documents get the contract `_id` "&lt;tenant&gt;/&lt;name&gt;".
    /// Returns true when the stored document changed.
    /// </summary>
    Task<bool> PutChildServiceAsync(ServiceSpec service, CancellationToken cancellationToken);

    /// <summary>ServiceSpecs whose metadata.ownerReferences name an IntegrationSpec (all, or one tenant's).</summary>
    Task<IReadOnlyList<StoredService>> ListChildServicesAsync(string? tenant, CancellationToken cancellationToken);

    /// <summary>Sets metadata.deletionRequested on a ServiceSpec (the operator then tears it down and deletes it); false when absent.</summary>
    Task<bool> RequestServiceDeletionAsync(ResourceKey key, CancellationToken cancellationToken);

    /// <summary>All allocations, or only one tenant's.</summary>
    Task<IReadOnlyList<PortAllocation>> ListPortAllocationsAsync(string? tenant, CancellationToken cancellationToken);

    /// <summary>
    /// One atomic claim: inserts the allocation; unique indexes on port and on (tenant, integration, portName) decide.
    /// Duplicate port → PortTaken; duplicate owner → OwnerHasPort with the owner's stored port. Never a duplicate.
    /// </summary>
    Task<ClaimAttempt> TryClaimPortAsync(PortAllocation allocation, CancellationToken cancellationToken);

    /// <summary>Deletes these allocations (matched on owner and port, so a port re-allocated meanwhile is not touched).</summary>
    Task ReleasePortsAsync(IReadOnlyCollection<PortAllocation> allocations, CancellationToken cancellationToken);
}
