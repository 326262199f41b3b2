using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Docker.Swarm;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm get nodes [-o table|wide|json] [--no-headers] [--watch]`: the nodes of the swarm the Docker engine manages
/// (DOCKER_HOST, else the docker CLI's engine), with the tasks each runs. Asks the engine, not MongoDB, so `--watch`
/// asks it again every <see cref="WatchInterval"/> and prints the nodes whose row changed. An engine that is not a Swarm
/// manager gets one line saying what it is instead.
/// </summary>
public static class NodeGetCommand
{
    public const string DockerHostVariable = "DOCKER_HOST";

    public static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);

    public static readonly TextColumn[] Columns =
    [
        new("ID"), new("HOSTNAME"), new("ROLE"), new("AVAILABILITY"), new("STATE"), new("TASKS"), new("ADDRESS"),
    ];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(CliApplication app, CliContext context)
    {
        var list = new ListOptions(withYaml: false);
        var nodes = new Command("nodes", "List the nodes of the Docker Swarm the engine manages, with their tasks");
        list.AddTo(nodes);
        nodes.Aliases.Add("node");
        nodes.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var request = list.Read(parseResult);
            var listed = await SwarmNodeLister.ListAsync(DockerEndpoint(context), cancellationToken);
            if (request.Format == "json")
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(listed, Json));
                return CliApplication.Ok;
            }

            var table = Table(listed);
            await table.WriteAsync(context.Output, request.Wide, request.Headers);
            if (!request.Watch)
            {
                return CliApplication.Ok;
            }

            var shown = listed.ToDictionary(node => node.Id, Row, StringComparer.Ordinal);
            while (true)
            {
                await context.Output.FlushAsync(cancellationToken);
                await Task.Delay(WatchInterval, context.Time, cancellationToken);
                foreach (var node in await SwarmNodeLister.ListAsync(DockerEndpoint(context), cancellationToken))
                {
                    var row = Row(node);
                    if (!shown.TryGetValue(node.Id, out var before) || !before.SequenceEqual(row, StringComparer.Ordinal))
                    {
                        shown[node.Id] = row;
                        await context.Output.WriteLineAsync(table.FormatRow(row, request.Wide));
                    }
                }
            }
        }));
        return nodes;
    }

    /// <summary>DOCKER_HOST as the CLI's environment has it; null lets the client find the engine as the docker CLI does.</summary>
    public static Uri? DockerEndpoint(CliContext context) =>
        context.Environment(DockerHostVariable) is { Length: > 0 } host ? new Uri(host) : null;

    /// <summary>The whole node id, as `docker node ls --no-trunc` prints it: on one machine every node may share a hostname.</summary>
    public static TextTable Table(IEnumerable<SwarmNode> nodes)
    {
        var table = new TextTable(Columns);
        foreach (var node in nodes)
        {
            table.AddRow(Row(node));
        }

        return table;
    }

    private static string[] Row(SwarmNode node) =>
    [
        node.Id,
        node.Hostname,
        node.Leader ? $"{node.Role} (leader)" : node.Role,
        node.Availability,
        node.State,
        node.Tasks.ToString(CultureInfo.InvariantCulture),
        node.Address,
    ];
}
