using System.Text.Json.Nodes;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>Everything a resource page shows. <paramref name="Document"/> has its secrets masked the way `zpm describe` masks them.</summary>
/// <param name="EndpointsUnknown">Why <paramref name="Replicas"/>' endpoints are missing (the engine did not answer), or null.</param>
public sealed record ResourceDetail(
    ResourceRow Row,
    JsonNode? Document,
    IReadOnlyList<ConditionView> Conditions,
    IReadOnlyList<ReplicaView> Replicas,
    string? EndpointsUnknown,
    IReadOnlyList<EventRow> Events);
