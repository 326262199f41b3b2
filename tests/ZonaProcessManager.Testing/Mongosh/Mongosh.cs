using System.Diagnostics;
using System.Text;

namespace ZonaProcessManager.Testing.Mongosh;

/// <summary>What one mongosh invocation produced.</summary>
public sealed record MongoshResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Drives the real mongosh 2.12.0 installed by scripts/ensure-mongosh.sh. A missing mongosh is a test failure with
/// the install command in the message, never a silent pass.
/// </summary>
public sealed class Mongosh
{
    public const string PathVariable = "ZPM_MONGOSH";
    public const string ToolsDirVariable = "ZPM_TOOLS_DIR";
    public const string InstallCommand = "scripts/ensure-mongosh.sh";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private Mongosh(string executablePath)
    {
        ExecutablePath = executablePath;
    }

    public string ExecutablePath { get; }

    /// <summary>The default install location used by scripts/ensure-mongosh.sh.</summary>
    public static string DefaultPath
    {
        get
        {
            var toolsDir = Environment.GetEnvironmentVariable(ToolsDirVariable);
            if (string.IsNullOrWhiteSpace(toolsDir))
            {
                toolsDir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "zpm-tools");
            }

            return Path.Combine(toolsDir, "mongosh", "node_modules", ".bin", "mongosh");
        }
    }

    public static Mongosh Locate()
    {
        var configured = Environment.GetEnvironmentVariable(PathVariable);
        var path = string.IsNullOrWhiteSpace(configured) ? DefaultPath : configured;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"mongosh not found at {path} ({PathVariable} {(string.IsNullOrWhiteSpace(configured) ? "not set" : "set")}). "
                + $"Install it with `{InstallCommand}` from the repository root "
                + "(npm install --ignore-scripts mongosh@2.12.0 into ~/.cache/zpm-tools/mongosh), or point ZPM_MONGOSH at a mongosh 2.12.0.",
                path);
        }

        return new Mongosh(path);
    }

    public Task<MongoshResult> EvalAsync(string connectionString, string script, TimeSpan? timeout = null) =>
        RunAsync(["--quiet", "--norc", connectionString, "--eval", script], timeout ?? DefaultTimeout);

    /// <summary>Runs a script without a connection (--nodb); <paramref name="environment"/> reaches the script as process.env, e.g. a URI with a password.</summary>
    public Task<MongoshResult> EvalNoDbAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null) =>
        RunAsync(["--quiet", "--norc", "--nodb", "--eval", script], timeout ?? DefaultTimeout, environment);

    public Task<MongoshResult> RunFileAsync(string connectionString, string scriptPath, TimeSpan? timeout = null) =>
        RunAsync(["--quiet", "--norc", connectionString, "--file", scriptPath], timeout ?? DefaultTimeout);

    /// <summary>
    /// A password in the connection string would be visible in the process list; mongosh gets the URI without it and
    /// logs in from its environment before the script runs (its --eval scripts run in order, then --file).
    /// </summary>
    private static (List<string> Arguments, Dictionary<string, string> Environment) WithoutPasswordOnCommandLine(IReadOnlyList<string> arguments)
    {
        var result = new List<string>(arguments);
        var environment = new Dictionary<string, string>();
        var index = result.FindIndex(argument => argument.StartsWith("mongodb://", StringComparison.Ordinal));
        if (index < 0)
        {
            return (result, environment);
        }

        var url = new MongoDB.Driver.MongoUrlBuilder(result[index]);
        if (url.Username is null || url.Password is null)
        {
            return (result, environment);
        }

        environment["ZPM_MONGOSH_USER"] = url.Username;
        environment["ZPM_MONGOSH_PASSWORD"] = url.Password;
        environment["ZPM_MONGOSH_AUTH_DB"] = url.AuthenticationSource ?? "admin";
        url.Username = null;
        url.Password = null;
        result[index] = url.ToString();
        result.InsertRange(index + 1, ["--eval", LoginScript]);
        return (result, environment);
    }

    private const string LoginScript =
        "(() => { db.getSiblingDB(process.env.ZPM_MONGOSH_AUTH_DB).auth(process.env.ZPM_MONGOSH_USER, process.env.ZPM_MONGOSH_PASSWORD); })()";

    private async Task<MongoshResult> RunAsync(IReadOnlyList<string> requested, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (arguments, secrets) = WithoutPasswordOnCommandLine(requested);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            secrets[name] = value;
        }

        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Keep mongosh from writing history/telemetry into the user's home or phoning home.
        startInfo.Environment["MONGOSH_NO_UPDATE_CHECK"] = "1";
        startInfo.Environment["DO_NOT_TRACK"] = "1";
        foreach (var (name, value) in secrets)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start " + ExecutablePath);
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = PumpAsync(process.StandardOutput, stdout);
        var readErr = PumpAsync(process.StandardError, stderr);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.WhenAll(readOut, readErr);
            throw new TimeoutException(
                $"mongosh did not finish within {timeout.TotalSeconds:0} s\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
        }

        await Task.WhenAll(readOut, readErr);
        return new MongoshResult(process.ExitCode, stdout.ToString(), stderr.ToString());
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
