using System.CommandLine;
using MongoDB.Bson;
using Spectre.Console;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>`zpm describe service &lt;name&gt; [-t tenant]`: spec, status, conditions, containers and recent events.</summary>
public static class DescribeCommand
{
    private const int EventLimit = 10;

    public static Command Create(CliApplication app, CliContext context)
    {
        var describe = new Command("describe", "Show one resource in detail");
        var name = new Argument<string>("name") { Description = "Service name" };
        var tenant = new Option<string>("--tenant", "-t") { Description = "Tenant", DefaultValueFactory = _ => ResourceKey.DefaultTenant };
        var service = new Command("service", "Spec, status, conditions and recent events of a ServiceSpec") { name, tenant };
        service.Aliases.Add("services");
        service.Aliases.Add("svc");
        service.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var key = new ResourceKey(ServiceSpec.KindName, parseResult.GetValue(tenant)!, parseResult.GetValue(name)!);
            using var connection = app.Globals.Connect(parseResult);
            var store = new MongoServiceStore(connection.Database);
            var document = await store.GetDocumentAsync(key, cancellationToken);
            if (document is null)
            {
                await context.Error.WriteLineAsync($"error: service {key.Tenant}/{key.Name} not found");
                return CliApplication.Failed;
            }

            var stored = new ServiceDocumentMapper().Read(document);
            var events = await store.ListEventsAsync(stored.Key, EventLimit, cancellationToken);
            // Child services of integrations carry secret parameters in env; their annotation names which to hide.
            Render(context, DocumentView.MaskService(document), stored.InvalidReason, stored.Status, events);
            return CliApplication.Ok;
        }));
        describe.Subcommands.Add(service);
        describe.Subcommands.Add(DescribeIntegrationCommand.Create(app, context));
        return describe;
    }

    public static void WriteIndentedYaml(IAnsiConsole console, BsonValue value)
    {
        foreach (var line in DocumentFormatter.ToYaml(value).TrimEnd().Split('\n'))
        {
            console.WriteLine("  " + line);
        }
    }

    private static void Render(CliContext context, BsonDocument document, string? invalidReason, ServiceStatus? status, IReadOnlyList<ResourceEvent> events)
    {
        var console = context.Console;
        var metadata = document.GetValue(DocumentFields.Metadata, BsonNull.Value) as BsonDocument ?? [];
        var summary = new Grid().AddColumn().AddColumn();
        summary.AddRow("Name:", Markup.Escape(metadata.GetValue("name", "").ToString() ?? ""));
        summary.AddRow("Tenant:", Markup.Escape(metadata.GetValue("tenant", ResourceKey.DefaultTenant).ToString() ?? ""));
        summary.AddRow("Id:", Markup.Escape(DocumentIds.ToUid(document.GetValue(DocumentFields.Id, BsonNull.Value))));
        summary.AddRow("Phase:", Markup.Escape(status?.Phase.ToString() ?? "- (not reconciled yet)"));
        if (status is not null)
        {
            summary.AddRow("Replicas:", $"{status.Replicas.Ready} ready / {status.Replicas.Desired} desired");
            summary.AddRow("Spec hash:", Markup.Escape(status.ObservedSpecHash ?? "-"));
            summary.AddRow("Message:", Markup.Escape(status.Message ?? "-"));
            summary.AddRow("Last error:", Markup.Escape(status.LastError ?? "-"));
            summary.AddRow("Updated:", status.UpdatedAt.ToString("u"));
        }

        if (metadata.GetValue("deletionRequested", false) is { IsBoolean: true, AsBoolean: true })
        {
            summary.AddRow("Deletion:", "requested");
        }

        if (invalidReason is not null)
        {
            summary.AddRow("Invalid:", Markup.Escape(invalidReason));
        }

        console.Write(summary);
        console.WriteLine();
        console.WriteLine("Spec:");
        var spec = document.GetValue(DocumentFields.Spec, BsonNull.Value);
        foreach (var line in DocumentFormatter.ToYaml(spec).TrimEnd().Split('\n'))
        {
            console.WriteLine("  " + line);
        }

        console.WriteLine();
        var conditions = new Table().Border(TableBorder.Simple).Title("Conditions");
        foreach (var header in new[] { "TYPE", "STATUS", "REASON", "MESSAGE", "LAST TRANSITION" })
        {
            conditions.AddColumn(header);
        }

        foreach (var condition in status?.Conditions ?? [])
        {
            conditions.AddRow(Markup.Escape(condition.Type), condition.Status ? "True" : "False", Markup.Escape(condition.Reason), Markup.Escape(condition.Message), condition.LastTransitionTime.ToString("u"));
        }

        console.Write(conditions);
        var containers = new Table().Border(TableBorder.Simple).Title("Containers");
        foreach (var header in new[] { "NAME", "ID", "STATE", "HEALTH" })
        {
            containers.AddColumn(header);
        }

        foreach (var container in status?.Containers ?? [])
        {
            containers.AddRow(Markup.Escape(container.Name), Markup.Escape(container.Id.Length > 12 ? container.Id[..12] : container.Id), Markup.Escape(container.State), Markup.Escape(container.Health));
        }

        console.Write(containers);
        var eventTable = new Table().Border(TableBorder.Simple).Title($"Events (last {EventLimit})");
        foreach (var header in new[] { "TIME", "TYPE", "REASON", "MESSAGE" })
        {
            eventTable.AddColumn(header);
        }

        foreach (var resourceEvent in events)
        {
            eventTable.AddRow(resourceEvent.Time.ToString("u"), Markup.Escape(resourceEvent.Type.ToString()), Markup.Escape(resourceEvent.Reason), Markup.Escape(resourceEvent.Message));
        }

        console.Write(eventTable);
    }
}
