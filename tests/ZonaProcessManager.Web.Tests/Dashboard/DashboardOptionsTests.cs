using System.CommandLine;
using ZonaProcessManager.Cli.Commands;

namespace ZonaProcessManager.Web.Tests.Dashboard;

/// <summary>`zpm run --dashboard-actions`: read-only without it; with it a fresh token, told once on stderr.</summary>
public sealed class DashboardOptionsTests
{
    [Fact]
    public async Task Without_the_flag_the_dashboard_is_read_only_and_nothing_is_printed()
    {
        var (settings, error) = await ParseAsync();

        Assert.False(settings.ActionsEnabled);
        Assert.Null(settings.ActionToken);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task With_the_flag_each_start_gets_its_own_token_printed_once_on_stderr()
    {
        var (first, error) = await ParseAsync("--dashboard-actions");
        var (second, _) = await ParseAsync("--dashboard-actions");

        Assert.True(first.ActionsEnabled);
        Assert.NotEqual(first.ActionToken, second.ActionToken);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.Contains(first.ActionToken!, StringComparison.Ordinal));
    }

    private static async Task<(Operator.Settings.DashboardSettings Settings, string Error)> ParseAsync(params string[] arguments)
    {
        var options = new DashboardOptions();
        var command = new RootCommand();
        options.AddTo(command);
        using var error = new StringWriter();
        var settings = await options.ParseAndAnnounceAsync(command.Parse(arguments), error);
        return (settings, error.ToString());
    }
}
