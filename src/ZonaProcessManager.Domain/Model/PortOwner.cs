namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

/// <summary>Who a host port belongs to: one named port of one integration of one tenant.</summary>
public sealed record PortOwner(string Tenant, string Integration, string PortName)
{
    public override string ToString() => $"{Tenant}/{Integration}/{PortName}";
}
