using System.Diagnostics;
using System.Text;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests.EndToEnd;

/// <summary>
/// The real `zpm run` binary as a child process on its embedded store, scoped to one tenant (--tenant) so it never
/// treats another test run's containers on the shared Docker host as orphans. Disposing kills it (first, so nothing is
/// recreated while the test cleans up) and deletes its data directory.
/// </summary>
internal sealed class ZpmRunProcess : IAsyncDisposable
{
    private const string ConnectionStringMarker = "connection string: ";
    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(90);

    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _connectionString = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _dataDirectory;
    private readonly Process _process;

    private ZpmRunProcess(string dataDirectory, Process process)
    {
        _dataDirectory = dataDirectory;
        _process = process;
    }

    /// <summary>The connection string zpm printed, logged in as its administrator when it created one.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The connection string exactly as zpm printed it.</summary>
    public string PrintedConnectionString { get; private set; } = "";

    public bool HasExited => _process.HasExited;

    /// <summary>Everything zpm printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts `zpm run --mongo-port 0 --tenant &lt;tenant&gt;` and waits until it prints its connection string.</summary>
    public static Task<ZpmRunProcess> StartAsync(string tenant, string dataDirectory) =>
        StartAsync(tenant, dataDirectory, new Dictionary<string, string>(), []);

    /// <summary>
    /// As <see cref="StartAsync(string, string)"/>, with more arguments (e.g. --runtime swarm, a second --tenant) and
    /// environment variables (e.g. DOCKER_HOST, which picks the engine zpm drives) for this process only.
    /// </summary>
    public static async Task<ZpmRunProcess> StartAsync(
        string tenant, string dataDirectory, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> extraArguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // Port 0: the embedded server binds a free port itself and prints it, so no other process can take it in between.
        foreach (var argument in new[] { LocateZpmDll(), "run", "--mongo-port", "0", "--data-dir", dataDirectory, "--tenant", tenant, "--log-format", "json", "--http", "off" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var argument in extraArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The machine's ZPM_MONGO_URI would make zpm skip the embedded server this test relies on.
        startInfo.Environment.Remove("ZPM_MONGO_URI");
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var zpm = new ZpmRunProcess(dataDirectory, new Process { StartInfo = startInfo, EnableRaisingEvents = true });
        zpm._process.OutputDataReceived += (_, line) => zpm.OnLine(line.Data);
        zpm._process.ErrorDataReceived += (_, line) => zpm.OnLine(line.Data);
        zpm._process.Exited += (_, _) => zpm._connectionString.TrySetException(
            new InvalidOperationException("zpm run exited before printing its connection string:\n" + zpm.Output));
        if (!zpm._process.Start())
        {
            throw new InvalidOperationException("could not start dotnet " + string.Join(' ', startInfo.ArgumentList));
        }

        zpm._process.StandardInput.Close();
        zpm._process.BeginOutputReadLine();
        zpm._process.BeginErrorReadLine();
        try
        {
            zpm.PrintedConnectionString = await zpm._connectionString.Task.WaitAsync(StartupDeadline);
            // zpm run creates its administrator on first start and leaves the password next to the data, never on stdout.
            zpm.ConnectionString = AdminLogin.ReadPassword(Path.Combine(dataDirectory, "mongo")) is { } password
                ? AdminLogin.ConnectionString(zpm.PrintedConnectionString, password)
                : zpm.PrintedConnectionString;
            return zpm;
        }
        catch (TimeoutException)
        {
            var output = zpm.Output;
            await zpm.DisposeAsync();
            throw new TimeoutException($"zpm run printed no connection string within {StartupDeadline.TotalSeconds:0} s:\n" + output);
        }
        catch
        {
            await zpm.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (_process)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                await _process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // Never started: nothing to stop.
            }
        }

        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    /// <summary>
    /// The zpm.dll next to this test assembly (a ProjectReference copies it with its runtimeconfig/deps) is built from
    /// the same sources as the test, unlike artifacts/zpm which may be stale; `make build` publishes the same project.
    /// </summary>
    private static string LocateZpmDll()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "zpm.dll");
        if (!File.Exists(path) || !File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")))
        {
            throw new FileNotFoundException(
                $"zpm binary not found at {path} (with its runtimeconfig.json). Build the test project (or `make build`) first.",
                path);
        }

        return path;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        var marker = line.IndexOf(ConnectionStringMarker, StringComparison.Ordinal);
        if (marker >= 0)
        {
            _connectionString.TrySetResult(line[(marker + ConnectionStringMarker.Length)..].Trim());
        }
    }
}
