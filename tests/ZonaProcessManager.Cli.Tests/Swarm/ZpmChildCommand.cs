using System.Diagnostics;
using System.Text;

namespace ZonaProcessManager.Cli.Tests.Swarm;

/// <summary>
/// Runs one `zpm` command as its own process, as a user would on the swarm: DOCKER_HOST must reach only that process
/// (the in-process CliRunner shares the test host's environment with tests that drive the host engine).
/// </summary>
internal static class ZpmChildCommand
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "zpm.dll"));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Remove("ZPM_MONGO_URI");
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start dotnet zpm.dll");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = PumpAsync(process.StandardOutput, stdout);
        var readErr = PumpAsync(process.StandardError, stderr);
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.WhenAll(readOut, readErr);
            throw new TimeoutException($"zpm {string.Join(' ', arguments)} did not finish within {Deadline.TotalMinutes:0} min:\n{stdout}{stderr}");
        }

        await Task.WhenAll(readOut, readErr);
        return new CliResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder sink)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            sink.Append(buffer, 0, read);
        }
    }
}
