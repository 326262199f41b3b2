using System.CommandLine;
using System.Globalization;
using MongoDB.Bson;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm get tenants|integrations|catalog [-t tenant] [-o table|wide|json|yaml] [--no-headers] [--watch]`. The default
/// views fit 80 columns for names of usual length; messages, images and parameters are in `-o wide`. Secret
/// parameter values (the catalog says which) are shown as *** in every format; a document the operator would refuse
/// still shows, with what can be read.
/// </summary>
public static class IntegrationGetCommands
{
    private static readonly TextColumn[] TenantColumns =
    [
        new("CODE"), new("DISPLAY NAME", MaxWidth: 20), new("PHASE"), new("INTEGRATIONS"), new("SUSPENDED"),
        new("MESSAGE", WideOnly: true), new("NETWORK", WideOnly: true),
    ];

    private static readonly TextColumn[] IntegrationColumns =
    [
        new("TENANT"), new("NAME"), new("ID"), new("ENABLED"), new("PHASE"), new("PORTS", MaxWidth: 24),
        new("MESSAGE", WideOnly: true), new("PARAMETERS", WideOnly: true),
    ];

    private static readonly TextColumn[] CatalogColumns =
    [
        new("ID"), new("NAME"), new("TITLE", MaxWidth: 24), new("IMAGE", WideOnly: true), new("PORTS", MaxWidth: 24),
        new("PARAMETERS", WideOnly: true),
    ];

    public static IEnumerable<Command> Create(CliApplication app, CliContext context)
    {
        yield return List(app, context, "tenants", ["tenant"], "List tenants with their phase and integration counts", withTenant: false, (documents, database, tenant) => new ResourceTable(
            "tenants",
            TenantColumns,
            database.GetCollection<BsonDocument>(ZpmCollections.Tenants),
            documents.ListTenantsAsync,
            (document, _) => Task.FromResult<BsonDocument?>(document),
            TenantRow));
        yield return List(app, context, "integrations", ["integration"], "List IntegrationSpecs with phase and host ports (secrets masked)", withTenant: true, (documents, database, tenant) => new ResourceTable(
            "integrations",
            IntegrationColumns,
            database.GetCollection<BsonDocument>(ZpmCollections.Integrations),
            async token =>
            {
                var catalog = await documents.ListCatalogAsync(token);
                return [.. (await documents.ListIntegrationsAsync(tenant, token))
                    .Select(integration => DocumentView.MaskIntegration(integration, DocumentView.DefinitionFor(catalog, integration)))];
            },
            async (integration, token) => tenant is not null && DocumentView.TenantOf(integration) != tenant
                ? null
                // The catalog may change while watching; read it again so a parameter declared secret since is masked.
                : DocumentView.MaskIntegration(integration, DocumentView.DefinitionFor(await documents.ListCatalogAsync(token), integration)),
            IntegrationRow));
        yield return List(app, context, "catalog", [], "List the integrations tenants can activate", withTenant: false, (documents, database, tenant) => new ResourceTable(
            "catalog entries",
            CatalogColumns,
            database.GetCollection<BsonDocument>(ZpmCollections.Catalog),
            async token => [.. (await documents.ListCatalogAsync(token)).Select(DocumentView.MaskDefinition)],
            (definition, _) => Task.FromResult<BsonDocument?>(DocumentView.MaskDefinition(definition)),
            CatalogRow));
    }

    private static Command List(
        CliApplication app,
        CliContext context,
        string name,
        string[] aliases,
        string description,
        bool withTenant,
        Func<IntegrationDocuments, MongoDB.Driver.IMongoDatabase, string?, ResourceTable> source)
    {
        var list = new ListOptions();
        var command = new Command(name, description);
        list.AddTo(command);
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
            var request = list.Read(parseResult);
            using var connection = app.Globals.Connect(parseResult);
            var table = source(new IntegrationDocuments(connection.Database), connection.Database, withTenant ? parseResult.GetValue(tenant) : null);
            return await ResourceListing.RunAsync(context, request, table, cancellationToken);
        }));
        return command;
    }

    private static string[] TenantRow(BsonDocument tenant)
    {
        var spec = DocumentView.Spec(tenant);
        var status = DocumentView.Status(tenant);
        var counts = status?.GetValue("integrations", BsonNull.Value) as BsonDocument;
        return
        [
            DocumentView.NameOf(tenant),
            DocumentView.Text(spec, "displayName", "-"),
            Phase(tenant),
            counts is null ? "-" : $"{DocumentView.Text(counts, "running", "0")}/{DocumentView.Text(counts, "desired", "0")}",
            DocumentView.Text(spec, "suspended", "False") is "True" or "true" ? "yes" : "no",
            DocumentView.Text(status, "message", ""),
            DocumentView.Text(status, "network", "-"),
        ];
    }

    private static string[] IntegrationRow(BsonDocument integration)
    {
        var spec = DocumentView.Spec(integration);
        var status = DocumentView.Status(integration);
        var ports = (status?.GetValue("ports", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>()
            .Select(port => $"{DocumentView.Text(port, "name")}:{DocumentView.Text(port, "host", "-")}");
        var parameters = (spec?.GetValue("parameters", BsonNull.Value) as BsonDocument ?? [])
            .Select(parameter => $"{parameter.Name}={DocumentView.Text(new BsonDocument(parameter), parameter.Name)}");
        return
        [
            DocumentView.TenantOf(integration),
            DocumentView.NameOf(integration),
            DocumentView.IntegrationIdOf(integration)?.ToString(CultureInfo.InvariantCulture) ?? "-",
            DocumentView.Text(spec, "enabled", "True") is "True" or "true" ? "yes" : "no",
            Phase(integration),
            string.Join(",", ports),
            DocumentView.Text(status, "message", ""),
            string.Join(",", parameters),
        ];
    }

    private static string[] CatalogRow(BsonDocument definition)
    {
        var spec = DocumentView.Spec(definition);
        var ports = (spec?.GetValue("ports", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>()
            .Select(port => $"{DocumentView.Text(port, "name")}:{DocumentView.Text(port, "container")}");
        var parameters = (spec?.GetValue("parameters", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>()
            .Select(DescribeParameter);
        return
        [
            DocumentView.IntegrationIdOf(definition)?.ToString(CultureInfo.InvariantCulture) ?? "-",
            DocumentView.NameOf(definition),
            DocumentView.Text(spec, "title"),
            DocumentView.Text(spec, "image"),
            string.Join(",", ports),
            string.Join(",", parameters),
        ];
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
}
