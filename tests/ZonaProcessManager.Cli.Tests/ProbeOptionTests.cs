using System.CommandLine;
using ZonaProcessManager.Cli.Commands;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>`zpm run --probe-mode`: the operator probes by default, `docker` keeps Docker's health checks, anything else is refused.</summary>
public sealed class ProbeOptionTests
{
    private static (ProbeOptions Options, ParseResult Result) Parse(params string[] args)
    {
        var options = new ProbeOptions();
        var command = new RootCommand();
        options.AddTo(command);
        return (options, command.Parse(args));
    }

    [Fact]
    public void Without_the_flag_the_operator_probes()
    {
        var (options, result) = Parse();

        Assert.Equal(ProbeMode.Operator, options.Parse(result).Mode);
    }

    [Fact]
    public void Docker_keeps_dockers_health_checks()
    {
        var (options, result) = Parse("--probe-mode", "docker");

        Assert.Empty(result.Errors);
        Assert.Equal(ProbeMode.Docker, options.Parse(result).Mode);
    }

    [Fact]
    public void Another_mode_is_a_usage_error_naming_it()
    {
        var (_, result) = Parse("--probe-mode", "kubelet");

        Assert.Contains(result.Errors, e => e.Message.Contains("kubelet", StringComparison.Ordinal));
    }

    [Fact]
    public void The_hosts_neighbour_entries_are_read_as_linux_writes_them_and_are_unknown_where_there_is_no_such_file()
    {
        var path = Path.Combine(Path.GetTempPath(), "zpm-gc-thresh2-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(path, "512\n");

            Assert.Equal(512, ProbeOptions.ReadHostNeighbourEntries(path));
            Assert.Null(ProbeOptions.ReadHostNeighbourEntries(path + "-missing"));
            File.WriteAllText(path, "not a number\n");
            Assert.Null(ProbeOptions.ReadHostNeighbourEntries(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
