using MongoDB.Bson;
using Spectre.Console;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>One line of `zpm get services`, read tolerantly from a stored document (a broken one still shows).</summary>
public sealed record ServiceRow(string Tenant, string Name, string Category, string Phase, string Ready, string Image, string Updated)
{
    private static readonly ServiceDocumentMapper Mapper = new();

    public static ServiceRow From(BsonDocument document, DateTimeOffset now)
    {
        var stored = Mapper.Read(document);
        var spec = document.GetValue(DocumentFields.Spec, BsonNull.Value) as BsonDocument;
        var category = spec?.GetValue("category", BsonNull.Value) is { IsString: true } value
            ? value.AsString
            : ServiceDocumentMapper.ToDocumentValue(ServiceCategory.App);
        var image = spec?.GetValue("image", BsonNull.Value) is { IsString: true } imageValue ? imageValue.AsString : "";
        var status = stored.Status;
        var phase = stored.Spec is null ? "Invalid" : status?.Phase.ToString() ?? "-";
        if (stored.DeletionRequested && status?.Phase != ResourcePhase.Removed)
        {
            phase += " (deleting)";
        }

        var ready = status is null ? "-" : $"{status.Replicas.Ready}/{status.Replicas.Desired}";
        var updated = status is null || status.UpdatedAt == DateTimeOffset.MinValue ? "-" : Age(now - status.UpdatedAt);
        return new ServiceRow(stored.Key.Tenant, stored.Key.Name, category, phase, ready, image, updated);
    }

    public static Table Table(IEnumerable<ServiceRow> rows)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in new[] { "TENANT", "NAME", "CATEGORY", "PHASE", "READY", "IMAGE", "UPDATED" })
        {
            table.AddColumn(new TableColumn(header).NoWrap());
        }

        foreach (var row in rows)
        {
            table.AddRow(Escape(row.Tenant), Escape(row.Name), Escape(row.Category), Escape(row.Phase), row.Ready, Escape(row.Image), row.Updated);
        }

        return table;
    }

    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds}s",
        { TotalHours: < 1 } => $"{(int)age.TotalMinutes}m",
        { TotalDays: < 1 } => $"{(int)age.TotalHours}h",
        _ => $"{(int)age.TotalDays}d",
    };

    private static string Escape(string text) => Markup.Escape(text);
}
