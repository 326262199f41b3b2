using System.CommandLine;
using MongoDB.Bson;
using Spectre.Console;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm describe service &lt;name&gt; [-t tenant]`: spec, status, conditions, replicas (with the node, slot and error of a
/// Swarm task, and the host ports each answers on, asked of the engine) and recent events.
/// </summary>
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
            var locations = await ReadLocationsAsync(context, stored.Status?.Containers ?? [], cancellationToken);
            // Child services of integrations carry secret parameters in env; their annotation names which to hide.
            Render(context, DocumentView.MaskService(document), stored.InvalidReason, stored.Status, events, locations);
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

    /// <summary>Where the replicas answer, or why that is unknown: the rest of describe needs MongoDB only.</summary>
    private static async Task<ReplicaLocations> ReadLocationsAsync(CliContext context, IReadOnlyList<ContainerStatus> replicas, CancellationToken cancellationToken)
    {
        if (replicas.Count == 0)
        {
            return new ReplicaLocations(new Dictionary<string, ReplicaLocation>(), null);
        }

        try
        {
            return new ReplicaLocations(await ReplicaEndpointReader.ReadAsync(NodeGetCommand.DockerEndpoint(context), replicas, cancellationToken), null);
        }
        catch (ContainerRuntimeException unknown)
        {
            return new ReplicaLocations(new Dictionary<string, ReplicaLocation>(), unknown.Message);
        }
    }

    private sealed record ReplicaLocations(IReadOnlyDictionary<string, ReplicaLocation> ById, string? Unknown);

    private static void Render(
        CliContext context, BsonDocument document, string? invalidReason, ServiceStatus? status, IReadOnlyList<ResourceEvent> events, ReplicaLocations locations)
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
        RenderReplicas(console, context.Output, status?.Containers ?? [], locations);
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

    /// <summary>
    /// One row per replica; Swarm tasks add their node and slot. Errors follow the table one per line, unwrapped (not
    /// through the console, which wraps at its width), so a long Docker message stays greppable when stdout is not a
    /// terminal.
    /// </summary>
    private static void RenderReplicas(IAnsiConsole console, TextWriter output, IReadOnlyList<ContainerStatus> replicas, ReplicaLocations locations)
    {
        var onNodes = replicas.Any(replica => replica.Node is not null);
        var table = new Table().Border(TableBorder.Simple).Title(onNodes ? "Tasks" : "Containers");
        var headers = onNodes
            ? new[] { "NAME", "ID", "NODE", "SLOT", "STATE", "HEALTH", "ENDPOINTS" }
            : ["NAME", "ID", "STATE", "HEALTH", "ENDPOINTS"];
        // Cells wrap in a narrow terminal rather than the table shrinking to "…"; piped output is 200 columns wide.
        foreach (var header in headers)
        {
            table.AddColumn(header);
        }

        foreach (var replica in replicas)
        {
            var location = locations.ById.GetValueOrDefault(replica.Id);
            var endpoints = locations.Unknown is not null ? "?" : location is { Endpoints.Count: > 0 } ? string.Join(", ", location.Endpoints) : "-";
            var id = Markup.Escape(Short(replica.Id));
            if (onNodes)
            {
                // The whole node id, as `docker node ls` and `zpm get nodes` show it: on one machine every node may share a hostname.
                var node = replica.Node ?? "";
                if (location?.NodeAddress is { Length: > 0 } address)
                {
                    node += $" ({location.NodeHostname} {address})";
                }

                table.AddRow(
                    Markup.Escape(replica.Name), id, Markup.Escape(node.Length == 0 ? "-" : node),
                    replica.Slot?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                    Markup.Escape(replica.State), Markup.Escape(replica.Health), Markup.Escape(endpoints));
            }
            else
            {
                table.AddRow(Markup.Escape(replica.Name), id, Markup.Escape(replica.State), Markup.Escape(replica.Health), Markup.Escape(endpoints));
            }
        }

        console.Write(table);
        if (locations.Unknown is not null)
        {
            output.WriteLine($"Endpoints unknown: {locations.Unknown}");
        }

        var errors = replicas.Where(replica => !string.IsNullOrWhiteSpace(replica.Error)).ToList();
        if (errors.Count > 0)
        {
            output.WriteLine("Errors:");
            foreach (var replica in errors)
            {
                output.WriteLine($"  {replica.Name}: {replica.Error!.ReplaceLineEndings(" ")}");
            }
        }

        console.WriteLine();
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;
}
