namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

/// <summary>One integration activated for one tenant (collection integrations).</summary>
public sealed record IntegrationSpec
{
    public const string KindName = "IntegrationSpec";

    public required ResourceMetadata Metadata { get; init; }
    public required IntegrationSpecBody Spec { get; init; }

    public ResourceKey Key => new(KindName, Metadata.Tenant, Metadata.Name);
}
