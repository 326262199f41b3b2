namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

public sealed record ResourceMetadata
{
    public required string Name { get; init; }
    public string Tenant { get; init; } = ResourceKey.DefaultTenant;
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public bool DeletionRequested { get; init; }
    public IReadOnlyList<OwnerReference> OwnerReferences { get; init; } = [];
}

public sealed record OwnerReference(string Kind, string Name, string Uid);
