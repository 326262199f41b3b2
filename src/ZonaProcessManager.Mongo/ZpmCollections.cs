using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Mongo;

/// <summary>Collection names of the contract (issue 3), and which resource kind lives in which collection.</summary>
public static class ZpmCollections
{
    public const string DefaultDatabase = "zpm";
    public const string Services = "services";
    public const string Events = "events";
    public const string OperatorState = "operator_state";

    /// <summary>Collections holding resources the operator reconciles → their kind. Issue 4 adds catalog/tenants/integrations here.</summary>
    public static IReadOnlyDictionary<string, string> ResourceKinds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Services] = ServiceSpec.KindName,
    };
}
