using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>`zpm get services [-t tenant] [--category c] [-o table|json|yaml] [--watch]`, and tenants, integrations, catalog, operators.</summary>
public static class GetCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var get = new Command("get", "List resources");
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only this tenant" };
        var category = new Option<string?>("--category", "-c") { Description = "Only this category (system, core, batch, app)" };
        category.AcceptOnlyFromAmong("system", "core", "batch", "app");
        var output = new Option<string>("--output", "-o") { Description = "table, json or yaml", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json", "yaml");
        var watch = new Option<bool>("--watch", "-w") { Description = "After listing, print a line for every change until interrupted" };
        var services = new Command("services", "List ServiceSpecs with their phase") { tenant, category, output, watch };
        services.Aliases.Add("service");
        services.Aliases.Add("svc");
        services.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var format = parseResult.GetValue(output)!;
            if (parseResult.GetValue(watch) && format != "table")
            {
                throw new CliUsageException("--watch prints table rows; it cannot be combined with -o " + format);
            }

            using var connection = app.Globals.Connect(parseResult);
            var store = new MongoServiceStore(connection.Database);
            var wantedCategory = parseResult.GetValue(category);
            var documents = (await store.ListDocumentsAsync(parseResult.GetValue(tenant), cancellationToken))
                .Where(document => wantedCategory is null || ServiceRow.From(document, DateTimeOffset.UtcNow).Category == wantedCategory)
                .Select(DocumentView.MaskService)
                .ToList();
            switch (format)
            {
                case "json":
                    await context.Output.WriteLineAsync(DocumentFormatter.ToJson(documents));
                    return CliApplication.Ok;
                case "yaml":
                    await context.Output.WriteAsync(DocumentFormatter.ToYaml(new BsonArray(documents)));
                    return CliApplication.Ok;
            }

            if (documents.Count == 0 && !parseResult.GetValue(watch))
            {
                await context.Output.WriteLineAsync("No services found.");
                return CliApplication.Ok;
            }

            context.Console.Write(ServiceRow.Table(documents.Select(document => ServiceRow.From(document, DateTimeOffset.UtcNow))));
            if (parseResult.GetValue(watch))
            {
                await WatchAsync(store, context, parseResult.GetValue(tenant), wantedCategory, cancellationToken);
            }

            return CliApplication.Ok;
        }));
        get.Subcommands.Add(services);
        foreach (var command in IntegrationGetCommands.Create(app, context))
        {
            get.Subcommands.Add(command);
        }

        get.Subcommands.Add(OperatorGetCommand.Create(app, context));
        return get;
    }

    private static async Task WatchAsync(MongoServiceStore store, CliContext context, string? tenant, string? category, CancellationToken cancellationToken)
    {
        var options = new ChangeStreamOptions { FullDocument = ChangeStreamFullDocumentOption.UpdateLookup };
        using var cursor = await store.Services.WatchAsync(options, cancellationToken);
        while (await cursor.MoveNextAsync(cancellationToken))
        {
            foreach (var change in cursor.Current)
            {
                if (change.FullDocument is { } document)
                {
                    var row = ServiceRow.From(document, context.Time.GetUtcNow());
                    if ((tenant is null || row.Tenant == tenant) && (category is null || row.Category == category))
                    {
                        await context.Output.WriteLineAsync($"{row.Tenant}\t{row.Name}\t{row.Category}\t{row.Phase}\t{row.Ready}\t{row.Image}");
                    }
                }
                else if (change.OperationType == ChangeStreamOperationType.Delete)
                {
                    await context.Output.WriteLineAsync($"deleted\t{change.DocumentKey.GetValue("_id", BsonNull.Value)}");
                }
            }
        }
    }
}
