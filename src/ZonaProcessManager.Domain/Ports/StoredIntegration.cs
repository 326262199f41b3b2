using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

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
