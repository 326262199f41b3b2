namespace ZonaProcessManager.Domain.Model;

/// <summary>Everything needed to create one replica's container; the Docker adapter turns it into an API call.</summary>
public sealed record DesiredContainer
{
    public required ResourceKey Owner { get; init; }
    public required int Replica { get; init; }
    public required string SpecHash { get; init; }
    public required ServiceSpecBody Spec { get; init; }

    /// <summary>Extra labels beyond the zpm.* ones the adapter always sets (e.g. zpm.owner for integration children).</summary>
    public IReadOnlyDictionary<string, string> ExtraLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>zpm-&lt;tenant&gt;-&lt;name&gt;-&lt;replica&gt;, the container name contract.</summary>
    public string ContainerName => $"zpm-{Owner.Tenant}-{Owner.Name}-{Replica}";
}
