namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

public sealed record TenantStatus
{
    public ResourcePhase Phase { get; init; } = ResourcePhase.Pending;
    public IntegrationCounts Integrations { get; init; } = new(0, 0);
    public string? Network { get; init; }
    public string? Message { get; init; }
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed record IntegrationCounts(int Desired, int Running);
