namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

/// <summary>A catalog entry (collection catalog): how to run one kind of connector.</summary>
public sealed record IntegrationDefinition
{
    public const string KindName = "IntegrationDefinition";

    public required ResourceMetadata Metadata { get; init; }
    public required IntegrationDefinitionSpec Spec { get; init; }
}
