using ZonaProcessManager.Cli;

namespace ZonaProcessManager.Cli.Tests;

public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs `zpm` in-process with captured output and an empty environment (ZPM_MONGO_URI of the machine never leaks in).</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var application = new CliApplication(new CliContext(output, error, _ => null));
        var exitCode = await application.RunAsync(args);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}
