using System.CommandLine;
using MongoDB.Bson;
using Spectre.Console;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm get tenants|integrations|catalog [-t tenant] [-o table|json|yaml]`. Secret parameter values (the catalog says
/// which) are shown as *** in every format; a document the operator would refuse still shows, with what can be read.
/// </summary>
public static class IntegrationGetCommands
{
    public static IEnumerable<Command> Create(CliApplication app, CliContext context)
    {
        yield return List(app, context, "tenants", ["tenant"], "List tenants with their phase and integration counts", withTenant: false, async (documents, tenant, cancellationToken) =>
        {
            var tenants = await documents.ListTenantsAsync(cancellationToken);
            return (tenants, TenantTable(tenants));
        });
        yield return List(app, context, "integrations", ["integration"], "List IntegrationSpecs with phase and host ports (secrets masked)", withTenant: true, async (documents, tenant, cancellationToken) =>
        {
            var catalog = await documents.ListCatalogAsync(cancellationToken);
            var masked = (await documents.ListIntegrationsAsync(tenant, cancellationToken))
                .Select(integration => DocumentView.MaskIntegration(integration, DocumentView.DefinitionFor(catalog, integration)))
                .ToList();
            return (masked, IntegrationTable(masked));
        });
        yield return List(app, context, "catalog", [], "List the integrations tenants can activate", withTenant: false, async (documents, tenant, cancellationToken) =>
        {
            var catalog = (await documents.ListCatalogAsync(cancellationToken)).Select(DocumentView.MaskDefinition).ToList();
            return (catalog, CatalogTable(catalog));
        });
    }

    private static Command List(
        CliApplication app,
        CliContext context,
        string name,
        string[] aliases,
        string description,
        bool withTenant,
        Func<IntegrationDocuments, string?, CancellationToken, Task<(List<BsonDocument> Documents, Table Table)>> load)
    {
        var output = new Option<string>("--output", "-o") { Description = "table, json or yaml", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json", "yaml");
        var command = new Command(name, description) { output };
        foreach (var alias in aliases)
        {
            command.Aliases.Add(alias);
        }

        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only this tenant" };
        if (withTenant)
        {
            command.Options.Add(tenant);
        }

        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            using var connection = app.Globals.Connect(parseResult);
            var (documents, table) = await load(new IntegrationDocuments(connection.Database), withTenant ? parseResult.GetValue(tenant) : null, cancellationToken);
            switch (parseResult.GetValue(output))
            {
                case "json":
                    await context.Output.WriteLineAsync(DocumentFormatter.ToJson(documents));
                    return CliApplication.Ok;
                case "yaml":
                    await context.Output.WriteAsync(DocumentFormatter.ToYaml(new BsonArray(documents)));
                    return CliApplication.Ok;
            }

            if (documents.Count == 0)
            {
                await context.Output.WriteLineAsync($"No {name} found.");
                return CliApplication.Ok;
            }

            context.Console.Write(table);
            return CliApplication.Ok;
        }));
        return command;
    }

    private static Table TenantTable(IEnumerable<BsonDocument> tenants)
    {
        var table = NewTable("CODE", "DISPLAY NAME", "PHASE", "INTEGRATIONS", "SUSPENDED", "NETWORK", "MESSAGE");
        foreach (var tenant in tenants)
        {
            var spec = DocumentView.Spec(tenant);
            var status = DocumentView.Status(tenant);
            var counts = status?.GetValue("integrations", BsonNull.Value) as BsonDocument;
            table.AddRow(
                Cell(DocumentView.NameOf(tenant)),
                Cell(DocumentView.Text(spec, "displayName", "-")),
                Cell(Phase(tenant)),
                Cell(counts is null ? "-" : $"{DocumentView.Text(counts, "running", "0")}/{DocumentView.Text(counts, "desired", "0")}"),
                Cell(DocumentView.Text(spec, "suspended", "False") is "True" or "true" ? "yes" : "no"),
                Cell(DocumentView.Text(status, "network", "-")),
                Cell(DocumentView.Text(status, "message", "")));
        }

        return table;
    }

    private static Table IntegrationTable(IEnumerable<BsonDocument> integrations)
    {
        var table = NewTable("TENANT", "NAME", "INTEGRATION ID", "ENABLED", "PHASE", "PORTS", "PARAMETERS", "MESSAGE");
        foreach (var integration in integrations)
        {
            var spec = DocumentView.Spec(integration);
            var status = DocumentView.Status(integration);
            var ports = (status?.GetValue("ports", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>()
                .Select(port => $"{DocumentView.Text(port, "name")}:{DocumentView.Text(port, "host", "-")}");
            var parameters = (spec?.GetValue("parameters", BsonNull.Value) as BsonDocument ?? [])
                .Select(parameter => $"{parameter.Name}={DocumentView.Text(new BsonDocument(parameter), parameter.Name)}");
            table.AddRow(
                Cell(DocumentView.TenantOf(integration)),
                Cell(DocumentView.NameOf(integration)),
                Cell(DocumentView.IntegrationIdOf(integration)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"),
                Cell(DocumentView.Text(spec, "enabled", "True") is "True" or "true" ? "yes" : "no"),
                Cell(Phase(integration)),
                Cell(string.Join(", ", ports)),
                Cell(string.Join(", ", parameters)),
                Cell(DocumentView.Text(status, "message", "")));
        }

        return table;
    }

    private static Table CatalogTable(IEnumerable<BsonDocument> catalog)
    {
        var table = NewTable("INTEGRATION ID", "NAME", "TITLE", "IMAGE", "PORTS", "PARAMETERS");
        foreach (var definition in catalog)
        {
            var spec = DocumentView.Spec(definition);
            var ports = (spec?.GetValue("ports", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>()
                .Select(port => $"{DocumentView.Text(port, "name")}:{DocumentView.Text(port, "container")}");
            var parameters = (spec?.GetValue("parameters", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>()
                .Select(DescribeParameter);
            table.AddRow(
                Cell(DocumentView.IntegrationIdOf(definition)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"),
                Cell(DocumentView.NameOf(definition)),
                Cell(DocumentView.Text(spec, "title")),
                Cell(DocumentView.Text(spec, "image")),
                Cell(string.Join(", ", ports)),
                Cell(string.Join(", ", parameters)));
        }

        return table;
    }

    /// <summary>"name*" when required, "(secret)" when secret, "=default" when it has one (already masked if secret).</summary>
    private static string DescribeParameter(BsonDocument parameter)
    {
        var text = DocumentView.Text(parameter, "name");
        if (parameter.GetValue("required", false) is { IsBoolean: true, AsBoolean: true })
        {
            text += "*";
        }

        if (parameter.GetValue("secret", false) is { IsBoolean: true, AsBoolean: true })
        {
            text += "(secret)";
        }

        return parameter.TryGetValue("default", out var value) && !value.IsBsonNull ? text + "=" + DocumentView.Text(parameter, "default") : text;
    }

    public static string Phase(BsonDocument document)
    {
        var phase = DocumentView.Text(DocumentView.Status(document), "phase", "-");
        return DocumentView.DeletionRequested(document) && phase != "Removed" ? phase + " (deleting)" : phase;
    }

    public static Table NewTable(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(header).NoWrap());
        }

        return table;
    }

    public static string Cell(string text) => Markup.Escape(text);
}
