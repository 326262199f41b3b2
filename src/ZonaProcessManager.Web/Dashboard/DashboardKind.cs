using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>
/// One table of the dashboard: the path segment the pages and the JSON API use, the collection it lists and the
/// resource kind stored there.
/// </summary>
/// <param name="Path">services, integrations, tenants or catalog.</param>
/// <param name="Tenanted">Whether a resource of this kind is named within a tenant (tenants and catalog entries are not).</param>
public sealed record DashboardKind(string Path, string Collection, string Kind, bool Tenanted)
{
    public static DashboardKind Services { get; } = new("services", ZpmCollections.Services, ServiceSpec.KindName, Tenanted: true);

    public static DashboardKind Integrations { get; } = new("integrations", ZpmCollections.Integrations, IntegrationSpec.KindName, Tenanted: true);

    public static DashboardKind Tenants { get; } = new("tenants", ZpmCollections.Tenants, Tenant.KindName, Tenanted: false);

    public static DashboardKind Catalog { get; } = new("catalog", ZpmCollections.Catalog, IntegrationDefinition.KindName, Tenanted: false);

    public static IReadOnlyList<DashboardKind> All { get; } = [Services, Integrations, Tenants, Catalog];

    public static DashboardKind? FromPath(string path) => All.FirstOrDefault(kind => kind.Path == path);

    public static DashboardKind? FromCollection(string collection) => All.FirstOrDefault(kind => kind.Collection == collection);
}
