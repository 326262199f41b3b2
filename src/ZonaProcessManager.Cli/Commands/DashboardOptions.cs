using System.CommandLine;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `--dashboard-actions` of `zpm run`: lets the dashboard scale, suspend/resume and delete, behind a token made for this
/// start (<see cref="DashboardSettings"/>). Without it the dashboard is read-only.
/// </summary>
public sealed class DashboardOptions
{
    public Option<bool> Actions { get; } = new("--dashboard-actions")
    {
        Description = "Let the dashboard scale, suspend/resume and delete; each action needs the token printed at start (default: read-only)",
    };

    public void AddTo(Command command) => command.Options.Add(Actions);

    /// <summary>
    /// The settings; with actions on, the token is written once to <paramref name="error"/>, the terminal's channel
    /// for what a person must read, and never to the operator's logs.
    /// </summary>
    public async Task<DashboardSettings> ParseAndAnnounceAsync(ParseResult parseResult, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(error);
        if (!parseResult.GetValue(Actions))
        {
            return new DashboardSettings();
        }

        var settings = DashboardSettings.WithActions();
        await error.WriteLineAsync($"dashboard actions enabled; token for this run (the dashboard asks for it): {settings.ActionToken}");
        return settings;
    }
}
