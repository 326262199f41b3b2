namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

public sealed record TenantSpec
{
    public string? DisplayName { get; init; }
    public bool Suspended { get; init; }
}
