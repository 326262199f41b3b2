namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

/// <summary>A named volume (Name) or a bind mount (HostPath); Driver/DriverOpts create e.g. NFS volumes.</summary>
public sealed record VolumeSpec
{
    public string? Name { get; init; }
    public string? HostPath { get; init; }
    public required string Target { get; init; }
    public bool ReadOnly { get; init; }
    public string? Driver { get; init; }
    public IReadOnlyDictionary<string, string> DriverOpts { get; init; } = new Dictionary<string, string>();
}
