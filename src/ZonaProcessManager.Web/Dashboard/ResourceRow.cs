namespace ZonaProcessManager.Web.Dashboard;

/// <summary>
/// One line of a dashboard table: what a list needs and nothing secret (no spec values beyond image, id and title).
/// </summary>
/// <param name="Kind">The table: services, integrations, tenants or catalog.</param>
/// <param name="Id">The document's `_id` as text: what a change-stream delete names.</param>
/// <param name="Phase">status.phase, or Pending before the operator wrote a status ("-" for catalog entries, which have none).</param>
/// <param name="Ready">Ready replicas (services) or running integrations (tenants); null when the kind has no such count.</param>
/// <param name="Desired">Desired replicas (services, integrations) or enabled integrations (tenants).</param>
/// <param name="HostPorts">Host ports the resource answers on, as far as its documents say.</param>
/// <param name="AutoHostPorts">Ports of a service published on a host port the engine picks ("auto"): only its page, which asks the engine, shows them.</param>
/// <param name="Created">When the document was inserted: metadata.creationTimestamp when zpm inserted it, else the time in an ObjectId `_id`; null otherwise.</param>
/// <param name="Updated">status.updatedAt: when the operator last changed what it reports.</param>
/// <param name="Detail">One short descriptive value: image, integration id, display name or title.</param>
public sealed record ResourceRow(
    string Kind,
    string Id,
    string Tenant,
    string Name,
    string Phase,
    int? Ready,
    int? Desired,
    IReadOnlyList<int> HostPorts,
    int AutoHostPorts,
    DateTimeOffset? Created,
    DateTimeOffset? Updated,
    string? Message,
    string Detail,
    bool Suspended,
    bool Deleting);
