using MongoDB.Bson;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>
/// Reads a <see cref="ResourceRow"/> out of a stored document field by field, like <see cref="DocumentView"/>: a
/// document that breaks the contract still shows what can be read, so one bad document never empties a table.
/// </summary>
public static class ResourceRows
{
    public static ResourceRow From(DashboardKind kind, BsonDocument document)
    {
        var id = document.GetValue(DocumentFields.Id, BsonNull.Value);
        var key = DocumentIds.KeyOf(kind.Kind, document);
        var spec = DocumentView.Spec(document);
        var status = DocumentView.Status(document);
        var phase = kind == DashboardKind.Catalog ? "-" : DocumentView.Text(status, "phase", "Pending");
        var (ready, desired) = Counts(kind, spec, status);
        return new ResourceRow(
            kind.Path,
            DocumentIds.ToUid(id),
            kind.Tenanted ? key.Tenant : "",
            key.Name,
            phase,
            ready,
            desired,
            HostPorts(kind, spec, status),
            kind == DashboardKind.Services ? (spec?.GetValue("ports", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>().Count(port => DocumentView.Text(port, "host") == "auto") : 0,
            Created(document, id),
            status?.GetValue("updatedAt", BsonNull.Value) is { IsValidDateTime: true } updated ? new DateTimeOffset(updated.ToUniversalTime(), TimeSpan.Zero) : null,
            DocumentView.Text(status, "message") is { Length: > 0 } message ? message : null,
            Detail(kind, document, spec),
            kind == DashboardKind.Tenants && spec?.GetValue("suspended", false) is { IsBoolean: true, AsBoolean: true },
            DocumentView.DeletionRequested(document));
    }

    /// <summary>The stamp zpm writes when it inserts a document, else the time in a hand-inserted document's ObjectId.</summary>
    private static DateTimeOffset? Created(BsonDocument document, BsonValue id) =>
        DocumentView.Metadata(document).GetValue("creationTimestamp", BsonNull.Value) is { IsValidDateTime: true } stamped
            ? new DateTimeOffset(stamped.ToUniversalTime(), TimeSpan.Zero)
            : id.IsObjectId ? new DateTimeOffset(id.AsObjectId.CreationTime, TimeSpan.Zero) : null;

    private static (int? Ready, int? Desired) Counts(DashboardKind kind, BsonDocument? spec, BsonDocument? status)
    {
        if (kind == DashboardKind.Tenants)
        {
            var integrations = status?.GetValue("integrations", BsonNull.Value) as BsonDocument;
            return (Int(integrations, "running"), Int(integrations, "desired"));
        }

        if (kind == DashboardKind.Services)
        {
            var replicas = status?.GetValue("replicas", BsonNull.Value) as BsonDocument;
            return (Int(replicas, "ready") ?? 0, Int(replicas, "desired") ?? Int(spec, "replicas") ?? 1);
        }

        return kind == DashboardKind.Integrations ? (null, Int(spec, "replicas") ?? 1) : (null, null);
    }

    /// <summary>
    /// A service's fixed host ports are in its spec ("auto" ones are only known to the engine, shown on its page); an
    /// integration's are in its status, where the operator records what it claimed.
    /// </summary>
    private static IReadOnlyList<int> HostPorts(DashboardKind kind, BsonDocument? spec, BsonDocument? status)
    {
        var ports = kind == DashboardKind.Services ? spec?.GetValue("ports", BsonNull.Value)
            : kind == DashboardKind.Integrations ? status?.GetValue("ports", BsonNull.Value)
            : null;
        return (ports as BsonArray ?? [])
            .OfType<BsonDocument>()
            .Select(port => Int(port, "host"))
            .OfType<int>()
            .Where(port => port is > 0 and <= 65535)
            .ToList();
    }

    private static string Detail(DashboardKind kind, BsonDocument document, BsonDocument? spec)
    {
        if (kind == DashboardKind.Services)
        {
            return DocumentView.Text(spec, "image");
        }

        if (kind == DashboardKind.Tenants)
        {
            return DocumentView.Text(spec, "displayName");
        }

        var id = DocumentView.IntegrationIdOf(document)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
        return kind == DashboardKind.Catalog ? $"{id} {DocumentView.Text(spec, "title")}".Trim() : id;
    }

    internal static int? Int(BsonDocument? document, string field) =>
        document?.GetValue(field, BsonNull.Value) switch
        {
            { IsInt32: true } value => value.AsInt32,
            { IsInt64: true } value when value.AsInt64 is >= int.MinValue and <= int.MaxValue => (int)value.AsInt64,
            { IsDouble: true } value when value.AsDouble == Math.Floor(value.AsDouble) && Math.Abs(value.AsDouble) < int.MaxValue => (int)value.AsDouble,
            _ => null,
        };
}
