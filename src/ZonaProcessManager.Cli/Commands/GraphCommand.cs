using System.CommandLine;
using ZonaProcessManager.Domain.Lifecycle;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>`zpm graph [--format mermaid|dot]`: the resource state machine as Stateless renders it.</summary>
public static class GraphCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var format = new Option<string>("--format") { Description = "mermaid or dot", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var command = new Command("graph", "Print the resource lifecycle state machine (Pending → Creating → Running ↔ Degraded → Removed)") { format };
        command.SetAction(app.Guard(async (parseResult, _) =>
        {
            var text = parseResult.GetValue(format) == "dot" ? ResourceStateMachine.ToDot() : ResourceStateMachine.ToMermaid();
            await context.Output.WriteLineAsync(text);
            return CliApplication.Ok;
        }));
        return command;
    }
}
