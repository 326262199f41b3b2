using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Integrations;

/// <summary>What is left of a tenant being deleted, as read from the store and Docker.</summary>
public sealed record TenantInventory(
    string TenantCode,
    IReadOnlyList<string> Integrations,
    IReadOnlyList<string> Services,
    int Containers,
    bool NetworkExists,
    IReadOnlyList<PortAllocation> PortAllocations);
