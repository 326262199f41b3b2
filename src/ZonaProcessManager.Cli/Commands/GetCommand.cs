using System.CommandLine;
using MongoDB.Bson;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm get services [-t tenant] [--category c] [-o table|wide|json|yaml] [--no-headers] [--watch]`, and tenants,
/// integrations, catalog, events, ports, nodes, operators.
/// </summary>
public static class GetCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var get = new Command("get", "List resources");
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only this tenant" };
        var category = new Option<string?>("--category", "-c") { Description = "Only this category (system, core, batch, app)" };
        category.AcceptOnlyFromAmong("system", "core", "batch", "app");
        var list = new ListOptions();
        var services = new Command("services", "List ServiceSpecs with their phase") { tenant, category };
        list.AddTo(services);
        services.Aliases.Add("service");
        services.Aliases.Add("svc");
        services.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var request = list.Read(parseResult);
            using var connection = app.Globals.Connect(parseResult);
            var store = new MongoServiceStore(connection.Database);
            var wantedTenant = parseResult.GetValue(tenant);
            var wantedCategory = parseResult.GetValue(category);
            bool Wanted(BsonDocument document)
            {
                var row = ServiceRow.From(document, context.Time.GetUtcNow());
                return (wantedTenant is null || row.Tenant == wantedTenant) && (wantedCategory is null || row.Category == wantedCategory);
            }

            var source = new ResourceTable(
                "services",
                ServiceRow.Columns,
                store.Services,
                async token => [.. (await store.ListDocumentsAsync(wantedTenant, token)).Where(Wanted).Select(DocumentView.MaskService)],
                (document, _) => Task.FromResult(Wanted(document) ? DocumentView.MaskService(document) : null),
                document => ServiceRow.From(document, context.Time.GetUtcNow()).Cells());
            return await ResourceListing.RunAsync(context, request, source, cancellationToken);
        }));
        get.Subcommands.Add(services);
        foreach (var command in IntegrationGetCommands.Create(app, context))
        {
            get.Subcommands.Add(command);
        }

        get.Subcommands.Add(EventGetCommand.Create(app, context));
        get.Subcommands.Add(PortCommands.GetPorts(app, context));
        get.Subcommands.Add(NodeGetCommand.Create(app, context));
        get.Subcommands.Add(OperatorGetCommand.Create(app, context));
        get.Subcommands.Add(ReleaseCommand.Get(app, context));
        return get;
    }
}
