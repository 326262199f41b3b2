namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

public sealed record IntegrationSpecBody
{
    public required int IntegrationId { get; init; }
    public bool Enabled { get; init; } = true;
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public int Replicas { get; init; } = 1;
}
