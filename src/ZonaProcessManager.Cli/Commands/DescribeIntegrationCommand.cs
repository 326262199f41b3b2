using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using System.Globalization;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Cli.Output;
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
            Render(context.Output, DocumentView.MaskIntegration(integration, definition), definition, child, events);
            return CliApplication.Ok;
        }));
        return command;
    }

    private static void Render(TextWriter output, BsonDocument integration, BsonDocument? definition, BsonDocument? child, IReadOnlyList<ResourceEvent> events)
    {
        var status = DocumentView.Status(integration);
        var definitionSpec = DocumentView.Spec(definition ?? []);
        DescribeCommand.WriteFields(output,
        [
            ("Name", DocumentView.NameOf(integration)),
            ("Tenant", DocumentView.TenantOf(integration)),
            ("Id", DocumentIds.ToUid(integration.GetValue(DocumentFields.Id, BsonNull.Value))),
            ("Integration", definition is null
                ? $"{DocumentView.IntegrationIdOf(integration)?.ToString(CultureInfo.InvariantCulture) ?? "-"} (not in the catalog)"
                : $"{DocumentView.IntegrationIdOf(definition)} {DocumentView.NameOf(definition)} — {DocumentView.Text(definitionSpec, "title")} ({DocumentView.Text(definitionSpec, "image")})"),
            ("Phase", status is null ? "- (not reconciled yet)" : Phase(integration)),
            ("Message", DocumentView.Text(status, "message", "-")),
            ("Service", child is null
                ? "- (no child ServiceSpec)"
                : $"{DocumentView.TenantOf(child)}/{DocumentView.NameOf(child)} phase {Phase(child)}"),
        ]);
        output.WriteLine();
        output.WriteLine("Spec:");
        DescribeCommand.WriteIndentedYaml(output, integration.GetValue(DocumentFields.Spec, BsonNull.Value));
        output.WriteLine();

        var ports = new TextTable(new("NAME"), new("CONTAINER"), new("HOST"));
        foreach (var port in (status?.GetValue("ports", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>())
        {
            ports.AddRow(DocumentView.Text(port, "name"), DocumentView.Text(port, "container"), DocumentView.Text(port, "host"));
        }

        DescribeSection.Write(output, "Ports", ports);
        output.WriteLine();
        var conditions = new TextTable(new("TYPE"), new("STATUS"), new("REASON"), new("MESSAGE"), new("LAST TRANSITION"));
        foreach (var condition in (status?.GetValue("conditions", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>())
        {
            conditions.AddRow(
                DocumentView.Text(condition, "type"),
                DocumentView.Text(condition, "status"),
                DocumentView.Text(condition, "reason"),
                DocumentView.Text(condition, "message"),
                DocumentView.Text(condition, "lastTransitionTime"));
        }

        DescribeSection.Write(output, "Conditions", conditions);
        output.WriteLine();
        var eventTable = new TextTable(new("TIME"), new("OBJECT"), new("TYPE"), new("REASON"), new("MESSAGE"));
        foreach (var resourceEvent in events)
        {
            eventTable.AddRow(
                resourceEvent.Time.ToString("u", CultureInfo.InvariantCulture),
                resourceEvent.Resource.Kind,
                resourceEvent.Type.ToString(),
                resourceEvent.Reason,
                resourceEvent.Message);
        }

        DescribeSection.Write(output, $"Events (last {EventLimit})", eventTable);
    }
}
