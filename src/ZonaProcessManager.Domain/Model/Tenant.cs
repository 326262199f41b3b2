namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

/// <summary>A customer (collection tenants); metadata.name is the tenant code.</summary>
public sealed record Tenant
{
    public const string KindName = "Tenant";

    public required ResourceMetadata Metadata { get; init; }
    public TenantSpec Spec { get; init; } = new();

    public string Code => Metadata.Name;

    /// <summary>zpm-tenant-&lt;code&gt;: the tenant's own network; its containers join only this one.</summary>
    public string NetworkName => NetworkNameFor(Code);

    public static string NetworkNameFor(string tenantCode) => $"zpm-tenant-{tenantCode}";
}
