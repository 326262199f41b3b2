using System.CommandLine;
using MongoDB.Bson;
using System.Globalization;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm describe service &lt;name&gt; [-t tenant]`: spec, status, conditions, replicas (with the host addresses each
/// answers on, asked of the engine, and the node, slot and error of a Swarm task) and recent events.
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

    public static void WriteIndentedYaml(TextWriter output, BsonValue value)
    {
        foreach (var line in DocumentFormatter.ToYaml(value).TrimEnd().Split('\n'))
        {
            output.WriteLine("  " + line);
        }
    }

    /// <summary>"Name:  value" lines, the values aligned and each on one line whatever the terminal's width.</summary>
    public static void WriteFields(TextWriter output, IEnumerable<(string Field, string Value)> fields)
    {
        var table = new TextTable(new("FIELD"), new("VALUE"));
        foreach (var (field, value) in fields)
        {
            table.AddRow(field + ":", value);
        }

        foreach (var line in table.Lines(wide: true, headers: false))
        {
            output.WriteLine(line);
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
        var output = context.Output;
        var metadata = document.GetValue(DocumentFields.Metadata, BsonNull.Value) as BsonDocument ?? [];
        var summary = new List<(string, string)>
        {
            ("Name", metadata.GetValue("name", "").ToString() ?? ""),
            ("Tenant", metadata.GetValue("tenant", ResourceKey.DefaultTenant).ToString() ?? ""),
            ("Id", DocumentIds.ToUid(document.GetValue(DocumentFields.Id, BsonNull.Value))),
            ("Phase", status?.Phase.ToString() ?? "- (not reconciled yet)"),
        };
        if (status is not null)
        {
            summary.Add(("Replicas", $"{status.Replicas.Ready} ready / {status.Replicas.Desired} desired"));
            summary.Add(("Spec hash", status.ObservedSpecHash ?? "-"));
            summary.Add(("Message", status.Message ?? "-"));
            summary.Add(("Last error", status.LastError ?? "-"));
            summary.Add(("Updated", status.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)));
            if (status.Rollout is { } rollout)
            {
                // The document still asks for the failed spec; this says what runs instead and why.
                var from = rollout.FromRevision is { } number ? $"revision {number}, " : "";
                summary.Add(("Rollout", $"{rollout.State}: spec {rollout.FailedSpecHash} ({from}failed) -> revision {rollout.ToRevision} (spec {rollout.ToSpecHash})"));
                summary.Add(("Rollout reason", rollout.Message));
                summary.Add(("Rollback began", rollout.StartedAt.ToString("u", CultureInfo.InvariantCulture)));
            }
        }

        if (metadata.GetValue("deletionRequested", false) is { IsBoolean: true, AsBoolean: true })
        {
            summary.Add(("Deletion", "requested"));
        }

        if (invalidReason is not null)
        {
            summary.Add(("Invalid", invalidReason));
        }

        WriteFields(output, summary);
        output.WriteLine();
        output.WriteLine("Spec:");
        WriteIndentedYaml(output, document.GetValue(DocumentFields.Spec, BsonNull.Value));
        output.WriteLine();
        var conditions = new TextTable(new("TYPE"), new("STATUS"), new("REASON"), new("MESSAGE"), new("LAST TRANSITION"));
        foreach (var condition in status?.Conditions ?? [])
        {
            conditions.AddRow(condition.Type, condition.Status ? "True" : "False", condition.Reason, condition.Message, condition.LastTransitionTime.ToString("u", CultureInfo.InvariantCulture));
        }

        DescribeSection.Write(output, "Conditions", conditions);
        output.WriteLine();
        RenderReplicas(output, status?.Containers ?? [], locations);
        var eventTable = new TextTable(new("TIME"), new("TYPE"), new("REASON"), new("MESSAGE"));
        foreach (var resourceEvent in events)
        {
            eventTable.AddRow(resourceEvent.Time.ToString("u", CultureInfo.InvariantCulture), resourceEvent.Type.ToString(), resourceEvent.Reason, resourceEvent.Message);
        }

        DescribeSection.Write(output, $"Events (last {EventLimit})", eventTable);
    }

    /// <summary>
    /// One row per replica, with the host addresses it answers on ("127.0.0.1:32801 → 8080"); Swarm tasks add their
    /// node and slot. Errors follow the table one per line, whole, so a long Docker message stays greppable.
    /// </summary>
    private static void RenderReplicas(TextWriter output, IReadOnlyList<ContainerStatus> replicas, ReplicaLocations locations)
    {
        var onNodes = replicas.Any(replica => replica.Node is not null);
        var table = onNodes
            ? new TextTable(new("NAME"), new("ID"), new("NODE"), new("SLOT"), new("STATE"), new("HEALTH"), new("ENDPOINTS"))
            : new TextTable(new("NAME"), new("ID"), new("STATE"), new("HEALTH"), new("ENDPOINTS"));
        foreach (var replica in replicas)
        {
            var location = locations.ById.GetValueOrDefault(replica.Id);
            var endpoints = locations.Unknown is not null ? "?" : location is { Endpoints.Count: > 0 } ? string.Join(", ", location.Endpoints.Select(Endpoint)) : "-";
            var id = Short(replica.Id);
            if (onNodes)
            {
                // The whole node id, as `docker node ls` and `zpm get nodes` show it: on one machine every node may share a hostname.
                var node = replica.Node ?? "";
                if (location?.NodeAddress is { Length: > 0 } address)
                {
                    node += $" ({location.NodeHostname} {address})";
                }

                table.AddRow(
                    replica.Name, id, node,
                    replica.Slot?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    replica.State, replica.Health, endpoints);
            }
            else
            {
                table.AddRow(replica.Name, id, replica.State, replica.Health, endpoints);
            }
        }

        DescribeSection.Write(output, onNodes ? "Tasks" : "Containers", table);
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

        output.WriteLine();
    }

    /// <summary>"127.0.0.1:32801->8080/tcp" as "127.0.0.1:32801 → 8080": tcp goes without saying, udp is shown.</summary>
    public static string Endpoint(string published)
    {
        var arrow = published.IndexOf("->", StringComparison.Ordinal);
        if (arrow < 0)
        {
            return published;
        }

        var target = published[(arrow + 2)..];
        if (target.EndsWith("/tcp", StringComparison.Ordinal))
        {
            target = target[..^"/tcp".Length];
        }

        return $"{published[..arrow]} → {target}";
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;
}
