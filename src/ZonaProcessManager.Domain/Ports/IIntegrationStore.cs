using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// Resource keys of the multi-tenant kinds. A Tenant's key carries its code as both tenant and name, so an operator scoped to
/// some tenants (OperatorSettings.Tenants) manages exactly their Tenant documents; catalog entries are cluster-wide and
/// live in the "system" tenant.
/// </summary>
public static class IntegrationKeys
{
    public static ResourceKey Tenant(string code) => new(Model.Tenant.KindName, code, code);

    public static ResourceKey Integration(string tenant, string name) => new(IntegrationSpec.KindName, tenant, name);

    public static ResourceKey Definition(string name) => new(IntegrationDefinition.KindName, ResourceKey.DefaultTenant, name);

    /// <summary>The child ServiceSpec of an IntegrationSpec has the integration's tenant and name.</summary>
    public static ResourceKey ChildService(ResourceKey integration) => new(ServiceSpec.KindName, integration.Tenant, integration.Name);
}

/// <summary>A catalog document; Definition is null (and InvalidReason says why) when it cannot be read.</summary>
public sealed record StoredDefinition(ResourceKey Key, string Uid, IntegrationDefinition? Definition, string? InvalidReason);

/// <summary>A tenant document; Tenant is null (and InvalidReason says why) when it cannot be read.</summary>
public sealed record StoredTenant(ResourceKey Key, string Uid, Tenant? Tenant, string? InvalidReason, TenantStatus? Status, bool DeletionRequested);

/// <summary>
/// An IntegrationSpec document; Integration is null (and InvalidReason says why) when it cannot be read.
/// OwnerReferences holds the Tenant that adopted it (kind "Tenant", name = code, uid = the tenant document's uid): when
/// that tenant is gone the integration is garbage, as in Kubernetes' owner-reference garbage collection.
/// </summary>
public sealed record StoredIntegration(
    ResourceKey Key,
    string Uid,
    IntegrationSpec? Integration,
    string? InvalidReason,
    IntegrationStatus? Status,
    IReadOnlyList<OwnerReference> OwnerReferences);

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

/// <summary>Whether a host port is free on the Docker host right now (something outside zpm may hold it).</summary>
public interface IHostPortProbe
{
    bool IsFree(int port);
}
