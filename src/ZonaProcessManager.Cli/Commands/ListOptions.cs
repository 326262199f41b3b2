using System.CommandLine;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// The output options every `get` takes: `-o table|wide|json|yaml`, `--no-headers` and `--watch`. One instance per
/// command (System.CommandLine options belong to one command).
/// </summary>
public sealed class ListOptions
{
    public ListOptions(bool withYaml = true, bool withWatch = true)
    {
        string[] formats = withYaml ? ["table", "wide", "json", "yaml"] : ["table", "wide", "json"];
        Output = new Option<string>("--output", "-o")
        {
            Description = string.Join(", ", formats[..^1]) + " or " + formats[^1] + " (wide: more columns, nothing cut)",
            DefaultValueFactory = _ => "table",
        };
        Output.AcceptOnlyFromAmong(formats);
        NoHeaders = new Option<bool>("--no-headers") { Description = "Leave out the header line of a table (for scripts)" };
        Watch = withWatch
            ? new Option<bool>("--watch", "-w") { Description = "After listing, print a row for every change until interrupted (Ctrl+C)" }
            : null;
    }

    public Option<string> Output { get; }

    public Option<bool> NoHeaders { get; }

    public Option<bool>? Watch { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Output);
        command.Options.Add(NoHeaders);
        if (Watch is not null)
        {
            command.Options.Add(Watch);
        }
    }

    /// <summary>What the user asked for; --watch with json or yaml is a usage error (rows are table lines).</summary>
    public ListRequest Read(ParseResult parseResult)
    {
        var request = new ListRequest(parseResult.GetValue(Output)!, parseResult.GetValue(NoHeaders), Watch is not null && parseResult.GetValue(Watch));
        if (request.Watch && !request.IsTable)
        {
            throw new CliUsageException($"--watch prints table rows; it cannot be combined with -o {request.Format}");
        }

        return request;
    }
}
