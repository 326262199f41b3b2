namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

/// <summary>A document of port_allocations: unique on Port, keyed by (Tenant, Integration, PortName).</summary>
public sealed record PortAllocation(string Tenant, string Integration, string PortName, int Port)
{
    public PortOwner Owner => new(Tenant, Integration, PortName);
}
