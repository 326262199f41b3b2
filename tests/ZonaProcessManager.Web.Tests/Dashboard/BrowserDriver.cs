using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace ZonaProcessManager.Web.Tests.Dashboard;

/// <summary>
/// Runs one scenario of Browser/dashboard-driver.mjs: node with playwright-core driving Debian's chromium, both
/// installed by scripts/ensure-chromium.sh. A missing browser or library fails the test with the command that installs
/// it, never a silent pass.
/// </summary>
internal sealed class BrowserDriver : IAsyncDisposable
{
    public const string InstallCommand = "scripts/ensure-chromium.sh";
    private const string ChromiumPath = "/usr/bin/chromium";
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly Task _pumps;

    private BrowserDriver(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(PumpOutAsync(), PumpErrAsync());
    }

    /// <summary>Where screenshots go: artifacts/dashboard/ at the repository root (ignored by git), one folder per test.</summary>
    public static string ScreenshotDirectory(string test)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ZonaProcessManager.sln")))
        {
            directory = directory.Parent;
        }

        var root = directory?.FullName ?? Path.GetTempPath();
        var path = Path.Combine(root, "artifacts", "dashboard", test);
        Directory.CreateDirectory(path);
        return path;
    }

    public static BrowserDriver Start(string scenario, Uri dashboard, IReadOnlyDictionary<string, string> environment, string? screenshots = null)
    {
        var playwright = PlaywrightDirectory();
        if (!File.Exists(ChromiumPath) || !File.Exists(Path.Combine(playwright, "node_modules", "playwright-core", "package.json")))
        {
            throw new FileNotFoundException(
                $"The dashboard's browser tests need {ChromiumPath} and playwright-core in {playwright}; install both with `{InstallCommand}` "
                + "from the repository root (apt-get install chromium; npm install --ignore-scripts playwright-core).");
        }

        var startInfo = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Dashboard", "Browser", "dashboard-driver.mjs"));
        startInfo.ArgumentList.Add(scenario);
        startInfo.Environment["ZPM_PLAYWRIGHT_DIR"] = Path.Combine(playwright, "node_modules", "playwright-core");
        startInfo.Environment["ZPM_DASHBOARD_URL"] = dashboard.ToString();
        startInfo.Environment["ZPM_DEADLINE_MS"] = ((int)DashboardUnderTest.Deadline.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (screenshots is not null)
        {
            startInfo.Environment["ZPM_SCREENSHOT_DIR"] = screenshots;
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start node");
        process.StandardInput.Close();
        return new BrowserDriver(process);
    }

    /// <summary>Waits for the driver to print <paramref name="marker"/> on a line of its own.</summary>
    public async Task WaitForAsync(string marker, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cancellation.Token))
            {
                if (line == marker)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the browser driver did not print {marker} within {timeout.TotalSeconds:0} s\n{Transcript()}");
        }

        throw new InvalidOperationException($"the browser driver ended before printing {marker} (exit {ExitCodeOrNone()})\n{Transcript()}");
    }

    /// <summary>The scenario's RESULT, once the driver exited successfully.</summary>
    public async Task<JsonElement> ResultAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the browser driver did not finish within {timeout.TotalSeconds:0} s\n{Transcript()}");
        }

        await _pumps;
        var result = _stdout.ToString().Split('\n').LastOrDefault(line => line.StartsWith("RESULT ", StringComparison.Ordinal));
        if (_process.ExitCode != 0 || result is null)
        {
            throw new InvalidOperationException($"the browser driver failed (exit {_process.ExitCode})\n{Transcript()}");
        }

        using var document = JsonDocument.Parse(result["RESULT ".Length..]);
        var root = document.RootElement.Clone();
        Assert.True(root.GetProperty("problems").GetArrayLength() == 0, $"the page reported errors: {root.GetProperty("problems")}");
        return root;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _pumps;
        _process.Dispose();
    }

    private static string PlaywrightDirectory()
    {
        var tools = Environment.GetEnvironmentVariable("ZPM_TOOLS_DIR");
        if (string.IsNullOrWhiteSpace(tools))
        {
            tools = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "zpm-tools");
        }

        return Path.Combine(tools, "playwright");
    }

    private string ExitCodeOrNone() => _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";

    private string Transcript()
    {
        lock (_stdout)
        {
            lock (_stderr)
            {
                return $"--- stdout ---\n{Truncate(_stdout.ToString())}\n--- stderr ---\n{Truncate(_stderr.ToString())}";
            }
        }
    }

    private static string Truncate(string text) => text.Length > 8000 ? text[^8000..] : text;

    private async Task PumpOutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_stdout)
            {
                _stdout.AppendLine(line);
            }

            await _lines.Writer.WriteAsync(line);
        }

        _lines.Writer.TryComplete();
    }

    private async Task PumpErrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_stderr)
            {
                _stderr.AppendLine(line);
            }
        }
    }
}
