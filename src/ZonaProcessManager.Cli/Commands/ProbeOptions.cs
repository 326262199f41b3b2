using System.CommandLine;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>`--probe-mode` of `zpm run`: who runs http and tcp health checks on the single-host backend (<see cref="ProbeSettings"/>).</summary>
public sealed class ProbeOptions
{
    public Option<string> Mode { get; } = new("--probe-mode")
    {
        Description = "Who runs http and tcp health checks of new containers on one Docker host: operator (from the host, no process "
            + "per probe) or docker (Docker's health check inside the container). Exec checks and Swarm tasks always use Docker's",
        DefaultValueFactory = _ => "operator",
    };

    public ProbeOptions()
    {
        Mode.AcceptOnlyFromAmong("operator", "docker");
    }

    public void AddTo(Command command) => command.Options.Add(Mode);

    public ProbeSettings Parse(ParseResult parseResult) =>
        ProbeSettings.Default with { Mode = Enum.Parse<ProbeMode>(parseResult.GetValue(Mode)!, ignoreCase: true) };
}
