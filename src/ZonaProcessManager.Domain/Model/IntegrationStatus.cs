namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

public sealed record IntegrationStatus
{
    public ResourcePhase Phase { get; init; } = ResourcePhase.Pending;

    /// <summary>Name of the child ServiceSpec.</summary>
    public string? Service { get; init; }
    public IReadOnlyList<AllocatedPort> Ports { get; init; } = [];
    public string? Message { get; init; }
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>A host port handed out to one named port of one tenant's integration.</summary>
public sealed record AllocatedPort(string Name, int Container, int Host);
