namespace ZonaProcessManager.Domain.Model;

/// <summary>Identity of one resource: what the work queue is keyed by and what container labels point back to.</summary>
public sealed record ResourceKey(string Kind, string Tenant, string Name)
{
    public const string DefaultTenant = "system";

    public override string ToString() => $"{Kind}/{Tenant}/{Name}";
}
