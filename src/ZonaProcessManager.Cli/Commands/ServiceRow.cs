using MongoDB.Bson;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>One line of `zpm get services`, read tolerantly from a stored document (a broken one still shows).</summary>
public sealed record ServiceRow(string Tenant, string Name, string Category, string Phase, string Ready, string Image, string Updated, string Message)
{
    private static readonly ServiceDocumentMapper Mapper = new();

    /// <summary>
    /// The columns of <see cref="Cells"/>. The default view fits 80 columns for names of usual length; CATEGORY and
    /// MESSAGE only with `-o wide`.
    /// </summary>
    public static readonly TextColumn[] Columns =
    [
        new("TENANT"), new("NAME"), new("CATEGORY", WideOnly: true), new("PHASE"), new("READY"), new("IMAGE", MaxWidth: 24), new("UPDATED"),
        new("MESSAGE", WideOnly: true),
    ];

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
        var message = stored.InvalidReason ?? status?.Message ?? "";
        return new ServiceRow(stored.Key.Tenant, stored.Key.Name, category, phase, ready, image, updated, message);
    }

    public string[] Cells() => [Tenant, Name, Category, Phase, Ready, Image, Updated, Message];

    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds}s",
        { TotalHours: < 1 } => $"{(int)age.TotalMinutes}m",
        { TotalDays: < 1 } => $"{(int)age.TotalHours}h",
        _ => $"{(int)age.TotalDays}d",
    };
}
