using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// Resource keys of the multi-tenant kinds. A Tenant's key carries its code as both tenant and name, so an operator scoped to
/// some tenants (OperatorSettings.Tenants) manages exactly their Tenant documents; catalog entries are cluster-wide and
/// live in the "system" tenant.
/// </summary>
public static class IntegrationKeys
{
    public static ResourceKey Tenant(string code) => new(Model.Tenant.KindName, code, code);

    public static ResourceKey Integration(string tenant, string name) => new(IntegrationSpec.KindName, tenant, name);

    public static ResourceKey Definition(string name) => new(IntegrationDefinition.KindName, ResourceKey.DefaultTenant, name);

    /// <summary>The child ServiceSpec of an IntegrationSpec has the integration's tenant and name.</summary>
    public static ResourceKey ChildService(ResourceKey integration) => new(ServiceSpec.KindName, integration.Tenant, integration.Name);
}
