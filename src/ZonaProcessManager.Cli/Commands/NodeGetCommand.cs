using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using ZonaProcessManager.Docker.Swarm;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm get nodes [-o table|json]`: the nodes of the swarm the Docker engine manages (DOCKER_HOST, else the docker
/// CLI's engine), with the tasks each runs. Asks the engine, not MongoDB. An engine that is not a Swarm manager gets
/// one line saying what it is instead.
/// </summary>
public static class NodeGetCommand
{
    public const string DockerHostVariable = "DOCKER_HOST";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(CliApplication app, CliContext context)
    {
        var output = new Option<string>("--output", "-o") { Description = "table or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var nodes = new Command("nodes", "List the nodes of the Docker Swarm the engine manages, with their tasks") { output };
        nodes.Aliases.Add("node");
        nodes.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var listed = await SwarmNodeLister.ListAsync(DockerEndpoint(context), cancellationToken);
            if (parseResult.GetValue(output) == "json")
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(listed, Json));
                return CliApplication.Ok;
            }

            context.Console.Write(Table(listed));
            return CliApplication.Ok;
        }));
        return nodes;
    }

    /// <summary>DOCKER_HOST as the CLI's environment has it; null lets the client find the engine as the docker CLI does.</summary>
    public static Uri? DockerEndpoint(CliContext context) =>
        context.Environment(DockerHostVariable) is { Length: > 0 } host ? new Uri(host) : null;

    public static Table Table(IEnumerable<SwarmNode> nodes)
    {
        var table = new Table().Border(TableBorder.Simple);
        // Only the id never wraps: in a narrow terminal the other cells wrap rather than the table shrinking to "…".
        table.AddColumn(new TableColumn("ID").NoWrap());
        foreach (var header in new[] { "HOSTNAME", "ROLE", "AVAILABILITY", "STATE", "TASKS", "ADDRESS" })
        {
            table.AddColumn(header);
        }

        foreach (var node in nodes)
        {
            table.AddRow(
                Markup.Escape(node.Id),
                Markup.Escape(node.Hostname),
                Markup.Escape(node.Leader ? $"{node.Role} (leader)" : node.Role),
                Markup.Escape(node.Availability),
                Markup.Escape(node.State),
                node.Tasks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(node.Address));
        }

        return table;
    }
}
