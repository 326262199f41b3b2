using ZonaProcessManager.Cli;

namespace ZonaProcessManager.Cli.Tests;

public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs `zpm` in-process with captured output and an empty environment (ZPM_MONGO_URI of the machine never leaks in).</summary>
internal static class CliRunner
{
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, new StringWriter(), CancellationToken.None);

    /// <summary>Runs with exactly these environment variables (e.g. ZPM_MONGO_PASSWORD_FILE) and no others.</summary>
    public static async Task<CliResult> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var application = new CliApplication(new CliContext(TextWriter.Synchronized(output), error, name => environment.GetValueOrDefault(name)));
        var exitCode = await application.RunAsync(args);
        return new CliResult(exitCode, Snapshot(output), error.ToString());
    }

    /// <summary>Runs with <paramref name="standardInput"/> as stdin.</summary>
    public static async Task<CliResult> RunWithInputAsync(string standardInput, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var application = new CliApplication(new CliContext(output, error, _ => null, new StringReader(standardInput)));
        var exitCode = await application.RunAsync(args, CancellationToken.None);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <param name="output">Receives stdout while the command runs, so a test can watch a long-running command.</param>
    public static async Task<CliResult> RunAsync(IReadOnlyList<string> args, StringWriter output, CancellationToken cancellationToken)
    {
        using var error = new StringWriter();
        var application = new CliApplication(new CliContext(TextWriter.Synchronized(output), error, _ => null));
        var exitCode = await application.RunAsync(args, cancellationToken);
        return new CliResult(exitCode, Snapshot(output), error.ToString());
    }

    /// <summary>Reads a writer that another task is writing to; StringWriter is not thread-safe, so lock as Synchronized does.</summary>
    public static string Snapshot(StringWriter output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
