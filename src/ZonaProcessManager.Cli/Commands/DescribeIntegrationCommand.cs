using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using Spectre.Console;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;
using static ZonaProcessManager.Cli.Commands.IntegrationGetCommands;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm describe integration &lt;name&gt; -t &lt;tenant&gt;`: the IntegrationSpec (secret parameters as ***), its catalog
/// entry, status and conditions, host ports, the child service's phase, and recent events of both.
/// </summary>
public static class DescribeIntegrationCommand
{
    private const int EventLimit = 10;

    public static Command Create(CliApplication app, CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Integration name (by default the catalog entry's name)" };
        var tenant = new Option<string>("--tenant", "-t") { Description = "Tenant code", Required = true };
        var command = new Command("integration", "Spec (secrets masked), status, ports, child service and recent events of an IntegrationSpec") { name, tenant };
        command.Aliases.Add("integrations");
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var tenantCode = parseResult.GetValue(tenant)!;
            var integrationName = parseResult.GetValue(name)!;
            using var connection = app.Globals.Connect(parseResult);
            var documents = new IntegrationDocuments(connection.Database);
            var integration = await documents.GetIntegrationAsync(tenantCode, integrationName, cancellationToken);
            if (integration is null)
            {
                await context.Error.WriteLineAsync($"error: integration {tenantCode}/{integrationName} not found");
                return CliApplication.Failed;
            }

            var definition = DocumentView.DefinitionFor(await documents.ListCatalogAsync(cancellationToken), integration);
            var services = new MongoServiceStore(connection.Database);
            var key = IntegrationKeys.Integration(tenantCode, integrationName);
            var childKey = IntegrationKeys.ChildService(key);
            var child = await services.GetDocumentAsync(childKey, cancellationToken);
            var events = (await services.ListEventsAsync(key, EventLimit, cancellationToken))
                .Concat(await services.ListEventsAsync(childKey, EventLimit, cancellationToken))
                .OrderByDescending(resourceEvent => resourceEvent.Time)
                .Take(EventLimit)
                .ToList();
            Render(context.Console, DocumentView.MaskIntegration(integration, definition), definition, child, events);
            return CliApplication.Ok;
        }));
        return command;
    }

    private static void Render(IAnsiConsole console, BsonDocument integration, BsonDocument? definition, BsonDocument? child, IReadOnlyList<ResourceEvent> events)
    {
        var status = DocumentView.Status(integration);
        var definitionSpec = DocumentView.Spec(definition ?? []);
        var summary = new Grid().AddColumn().AddColumn();
        summary.AddRow("Name:", Cell(DocumentView.NameOf(integration)));
        summary.AddRow("Tenant:", Cell(DocumentView.TenantOf(integration)));
        summary.AddRow("Id:", Cell(DocumentIds.ToUid(integration.GetValue(DocumentFields.Id, BsonNull.Value))));
        summary.AddRow("Integration:", Cell(definition is null
            ? $"{DocumentView.IntegrationIdOf(integration)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} (not in the catalog)"
            : $"{DocumentView.IntegrationIdOf(definition)} {DocumentView.NameOf(definition)} — {DocumentView.Text(definitionSpec, "title")} ({DocumentView.Text(definitionSpec, "image")})"));
        summary.AddRow("Phase:", Cell(status is null ? "- (not reconciled yet)" : Phase(integration)));
        summary.AddRow("Message:", Cell(DocumentView.Text(status, "message", "-")));
        summary.AddRow("Service:", Cell(child is null
            ? "- (no child ServiceSpec)"
            : $"{DocumentView.TenantOf(child)}/{DocumentView.NameOf(child)} phase {Phase(child)}"));
        console.Write(summary);
        console.WriteLine();
        console.WriteLine("Spec:");
        DescribeCommand.WriteIndentedYaml(console, integration.GetValue(DocumentFields.Spec, BsonNull.Value));
        console.WriteLine();

        var ports = NewTable("NAME", "CONTAINER", "HOST");
        ports.Title("Ports");
        foreach (var port in (status?.GetValue("ports", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>())
        {
            ports.AddRow(Cell(DocumentView.Text(port, "name")), Cell(DocumentView.Text(port, "container")), Cell(DocumentView.Text(port, "host")));
        }

        console.Write(ports);
        var conditions = NewTable("TYPE", "STATUS", "REASON", "MESSAGE", "LAST TRANSITION");
        conditions.Title("Conditions");
        foreach (var condition in (status?.GetValue("conditions", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>())
        {
            conditions.AddRow(
                Cell(DocumentView.Text(condition, "type")),
                Cell(DocumentView.Text(condition, "status")),
                Cell(DocumentView.Text(condition, "reason")),
                Cell(DocumentView.Text(condition, "message")),
                Cell(DocumentView.Text(condition, "lastTransitionTime")));
        }

        console.Write(conditions);
        var eventTable = NewTable("TIME", "OBJECT", "TYPE", "REASON", "MESSAGE");
        eventTable.Title($"Events (last {EventLimit})");
        foreach (var resourceEvent in events)
        {
            eventTable.AddRow(
                resourceEvent.Time.ToString("u"),
                Cell(resourceEvent.Resource.Kind),
                Cell(resourceEvent.Type.ToString()),
                Cell(resourceEvent.Reason),
                Cell(resourceEvent.Message));
        }

        console.Write(eventTable);
    }
}
