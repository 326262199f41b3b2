namespace ZonaProcessManager.Domain.Model;

/// <summary>
/// One service's workload as the operator wants it: what a workload runtime needs to plan and apply it, all read
/// beforehand (the store lookups of dependsOn included).
/// </summary>
public sealed record DesiredWorkload
{
    public required ServiceSpec Service { get; init; }

    /// <summary>SpecHasher's hash of Service.Spec; replicas running another hash are stale.</summary>
    public required string SpecHash { get; init; }

    /// <summary>Names of dependsOn services that are not Running; nothing new starts while any is listed.</summary>
    public IReadOnlyCollection<string> UnreadyDependencies { get; init; } = [];

    /// <summary>Labels added to everything the runtime creates for it (e.g. zpm.owner for integration children).</summary>
    public IReadOnlyDictionary<string, string> OwnerLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Values that must never travel on in a message (an integration's secret env values).</summary>
    public IReadOnlyCollection<string> SecretValues { get; init; } = [];

    public ResourceKey Owner => Service.Key;
}
