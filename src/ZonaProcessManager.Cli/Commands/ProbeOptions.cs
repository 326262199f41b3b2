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

    public ProbeSettings Parse(ParseResult parseResult) => ProbeSettings.Default with
    {
        Mode = Enum.Parse<ProbeMode>(parseResult.GetValue(Mode)!, ignoreCase: true),
        HostNeighbourEntries = ReadHostNeighbourEntries(NeighbourThresholdPath),
    };

    /// <summary>Where Linux says how many neighbour entries it keeps before dropping them.</summary>
    public const string NeighbourThresholdPath = "/proc/sys/net/ipv4/neigh/default/gc_thresh2";

    /// <summary>The number in <paramref name="path"/>, or null when it cannot be read (not Linux, no /proc).</summary>
    public static int? ReadHostNeighbourEntries(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var entries) ? entries : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
