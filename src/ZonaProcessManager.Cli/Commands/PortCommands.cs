using System.CommandLine;
using System.Globalization;
using MongoDB.Bson;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm port &lt;tenant&gt; &lt;integration_id&gt; [portName]` prints just the host port, for scripts
/// that need only the number; `zpm ports [-t tenant]` (and `zpm get ports`) lists every allocation.
/// </summary>
public static class PortCommands
{
    public static Command Port(CliApplication app, CliContext context)
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant code" };
        var integration = new Argument<string>("integration") { Description = "integration_id (or the integration's name)" };
        var portName = new Argument<string?>("portName") { Description = "Named port of the catalog entry (default: its first port)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("port", "Print the host port allocated to a tenant's integration (exit 1 when none)") { tenant, integration, portName };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var tenantCode = parseResult.GetValue(tenant)!;
            var reference = parseResult.GetValue(integration)!;
            using var connection = app.Globals.Connect(parseResult);
            var documents = new IntegrationDocuments(connection.Database);
            var catalog = await documents.ListCatalogAsync(cancellationToken);
            var integrations = await documents.ListIntegrationsAsync(tenantCode, cancellationToken);
            var definition = OnboardingPlan.Resolve(catalog, reference);
            var id = definition is null ? (int?)null : DocumentView.IntegrationIdOf(definition);
            var match = integrations.FirstOrDefault(item => id is not null && DocumentView.IntegrationIdOf(item) == id)
                ?? integrations.FirstOrDefault(item => DocumentView.NameOf(item) == reference);
            if (match is null)
            {
                await context.Error.WriteLineAsync($"error: tenant {tenantCode} has no integration {reference}");
                return CliApplication.Failed;
            }

            var integrationName = DocumentView.NameOf(match);
            definition ??= DocumentView.DefinitionFor(catalog, match);
            var wantedPort = parseResult.GetValue(portName)
                ?? (DocumentView.Spec(definition ?? [])?.GetValue("ports", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>()
                    .Select(port => DocumentView.Text(port, "name")).FirstOrDefault();
            var allocations = (await documents.ListPortAllocationsAsync(tenantCode, cancellationToken))
                .Where(allocation => DocumentView.Text(allocation, PortAllocationFields.Integration) == integrationName)
                .ToList();
            var allocation = wantedPort is null
                ? allocations.FirstOrDefault()
                : allocations.FirstOrDefault(item => DocumentView.Text(item, PortAllocationFields.PortName) == wantedPort);
            if (allocation is null)
            {
                await context.Error.WriteLineAsync(
                    $"error: no host port allocated to {tenantCode}/{integrationName}{(wantedPort is null ? "" : " port " + wantedPort)} (is the operator running, and the integration enabled?)");
                return CliApplication.Failed;
            }

            await context.Output.WriteLineAsync(DocumentView.Text(allocation, PortAllocationFields.Port));
            return CliApplication.Ok;
        }));
        return command;
    }

    private static readonly TextColumn[] PortColumns = [new("TENANT"), new("INTEGRATION"), new("PORT NAME"), new("HOST PORT")];

    /// <summary>`zpm ports`: the allocations as a table.</summary>
    public static Command Ports(CliApplication app, CliContext context) => AllocationList(app, context);

    /// <summary>`zpm get ports`: the same list with every `get`'s options.</summary>
    public static Command GetPorts(CliApplication app, CliContext context)
    {
        var command = AllocationList(app, context);
        command.Aliases.Add("port");
        return command;
    }

    private static Command AllocationList(CliApplication app, CliContext context)
    {
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only this tenant" };
        var list = new ListOptions();
        var command = new Command("ports", "List host ports allocated to tenants' integrations") { tenant };
        list.AddTo(command);
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var request = list.Read(parseResult);
            var wantedTenant = parseResult.GetValue(tenant);
            using var connection = app.Globals.Connect(parseResult);
            var documents = new IntegrationDocuments(connection.Database);
            var source = new ResourceTable(
                "ports",
                PortColumns,
                connection.Database.GetCollection<BsonDocument>(ZpmCollections.PortAllocations),
                async token => [.. (await documents.ListPortAllocationsAsync(wantedTenant, token))
                    .OrderBy(item => DocumentView.Text(item, PortAllocationFields.Tenant), StringComparer.Ordinal)
                    .ThenBy(item => DocumentView.Text(item, PortAllocationFields.Integration), StringComparer.Ordinal)
                    .ThenBy(item => DocumentView.Text(item, PortAllocationFields.PortName), StringComparer.Ordinal)],
                (allocation, _) => Task.FromResult(
                    wantedTenant is null || DocumentView.Text(allocation, PortAllocationFields.Tenant) == wantedTenant ? allocation : null),
                allocation =>
                [
                    DocumentView.Text(allocation, PortAllocationFields.Tenant),
                    DocumentView.Text(allocation, PortAllocationFields.Integration),
                    DocumentView.Text(allocation, PortAllocationFields.PortName),
                    DocumentView.Text(allocation, PortAllocationFields.Port),
                ]);
            return await ResourceListing.RunAsync(context, request, source, cancellationToken);
        }));
        return command;
    }
}
