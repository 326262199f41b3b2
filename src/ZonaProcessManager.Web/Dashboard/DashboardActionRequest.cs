namespace ZonaProcessManager.Web.Dashboard;

/// <summary>The JSON body of a dashboard action: which resource, and for scale the replicas wanted.</summary>
/// <param name="Kind">services, integrations or tenants (see <see cref="DashboardKind"/>).</param>
/// <param name="Tenant">The tenant of a service or integration; ignored for tenants.</param>
public sealed record DashboardActionRequest(string? Kind, string? Tenant, string? Name, int? Replicas);
