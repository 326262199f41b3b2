using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;

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
    public const string Releases = "releases";

    /// <summary>Numbered ServiceSpec revisions (<see cref="MongoRevisionStore"/>).</summary>
    public const string Revisions = "revisions";

    /// <summary>One leader lease per operator scope (Leases/MongoLeaderElection).</summary>
    public const string Leases = "leases";

    /// <summary>One record per running operator instance, for `zpm get operators`.</summary>
    public const string Operators = "operators";

    /// <summary>Collections holding resources the operator reconciles → their kind.</summary>
    public static IReadOnlyDictionary<string, string> ResourceKinds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Services] = ServiceSpec.KindName,
        [Catalog] = IntegrationDefinition.KindName,
        [Tenants] = Tenant.KindName,
        [Integrations] = IntegrationSpec.KindName,
        [Releases] = Release.KindName,
    };

    /// <summary>
    /// The collections holding <paramref name="kinds"/> → their kind: what a watcher of exactly those kinds watches (the
    /// composition root passes the operator's registered kinds).
    /// </summary>
    /// <exception cref="ArgumentException">A kind has no collection here.</exception>
    public static IReadOnlyDictionary<string, string> ForKinds(IEnumerable<string> kinds)
    {
        var collections = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kind in kinds)
        {
            var collection = ResourceKinds.FirstOrDefault(entry => entry.Value == kind).Key
                ?? throw new ArgumentException($"Kind {kind} has no MongoDB collection; add it to {nameof(ZpmCollections)}.{nameof(ResourceKinds)}.", nameof(kinds));
            collections[collection] = kind;
        }

        return collections;
    }
}
