namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

public sealed record ServiceSpec
{
    public const string KindName = "ServiceSpec";
    public const string ApiVersion = "zpm/v1";

    public required ResourceMetadata Metadata { get; init; }
    public required ServiceSpecBody Spec { get; init; }

    public ResourceKey Key => new(KindName, Metadata.Tenant, Metadata.Name);
}
