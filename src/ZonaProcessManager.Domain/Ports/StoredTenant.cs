using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>A tenant document; Tenant is null (and InvalidReason says why) when it cannot be read.</summary>
public sealed record StoredTenant(ResourceKey Key, string Uid, Tenant? Tenant, string? InvalidReason, TenantStatus? Status, bool DeletionRequested);
