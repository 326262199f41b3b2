using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Mongo;

/// <summary>Collection names of the contract, and which resource kind lives in which collection.</summary>
public static class ZpmCollections
{
    public const string DefaultDatabase = "zpm";
    public const string Services = "services";
    public const string Events = "events";
    public const string OperatorState = "operator_state";
    public const string Catalog = "catalog";
    public const string Tenants = "tenants";
    public const string Integrations = "integrations";
    public const string PortAllocations = "port_allocations";

    /// <summary>Collections holding resources the operator reconciles → their kind.</summary>
    public static IReadOnlyDictionary<string, string> ResourceKinds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Services] = ServiceSpec.KindName,
        [Catalog] = IntegrationDefinition.KindName,
        [Tenants] = Tenant.KindName,
        [Integrations] = IntegrationSpec.KindName,
    };
}
