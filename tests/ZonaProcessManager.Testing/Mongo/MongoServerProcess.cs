using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ZonaProcessManager.Testing.Mongo;

/// <summary>
/// Our embedded server as a child process (`dotnet zpm.dll mongo serve --port P --dbpath D`), so a test can kill -9
/// it and restart it on the same data directory. Only meaningful for the embedded server: a real MongoDB is not ours
/// to kill.
/// </summary>
public sealed partial class MongoServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _log;

    private MongoServerProcess(Process process, StringBuilder log, string printedConnectionString, int port, string dataDirectory)
    {
        _process = process;
        _log = log;
        PrintedConnectionString = printedConnectionString;
        Port = port;
        DataDirectory = dataDirectory;
        // The server writes its administrator's password next to its data on first start (authentication is on by default).
        var password = AdminLogin.ReadPassword(dataDirectory);
        ConnectionString = password is null ? printedConnectionString : AdminLogin.ConnectionString(printedConnectionString, password);
    }

    /// <summary>The connection string the server printed once it accepted connections (never with a password).</summary>
    public string PrintedConnectionString { get; }

    /// <summary><see cref="PrintedConnectionString"/> logged in as the administrator when the server has a password file.</summary>
    public string ConnectionString { get; }

    public int Port { get; }
    public string DataDirectory { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the child wrote to stdout/stderr so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>zpm.dll copied next to the test assembly by the test project's reference to the CLI project.</summary>
    public static string DefaultZpmDll => Path.Combine(AppContext.BaseDirectory, "zpm.dll");

    public static async Task<MongoServerProcess> StartAsync(string dataDirectory, ITestOutputHelper? output = null, int? port = null, string? zpmDll = null,
        IReadOnlyList<string>? extraArguments = null)
    {
        zpmDll ??= DefaultZpmDll;
        if (!File.Exists(zpmDll))
        {
            throw new FileNotFoundException(
                $"zpm.dll not found at {zpmDll}; the test project must reference src/ZonaProcessManager.Cli so the build copies it", zpmDll);
        }

        var chosenPort = port ?? FreeTcpPort.Pick();
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { zpmDll, "mongo", "serve", "--port", chosenPort.ToString(), "--dbpath", dataDirectory }.Concat(extraArguments ?? []))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var log = new StringBuilder();
        var connectionStringSeen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data, "out");
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, "err");
        process.Exited += (_, _) => connectionStringSeen.TrySetException(
            new InvalidOperationException("zpm mongo serve exited before printing a connection string"));

        output?.WriteLine($"starting child server: dotnet {string.Join(' ', startInfo.ArgumentList)}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var connectionString = await connectionStringSeen.Task.WaitAsync(DefaultStartTimeout);
            output?.WriteLine($"child server pid {process.Id} ready: {connectionString}");
            return new MongoServerProcess(process, log, connectionString, chosenPort, dataDirectory);
        }
        catch (Exception ex)
        {
            KillQuietly(process);
            // Let the output pumps drain, so the child's own error message is part of the failure.
            await process.WaitForExitAsync();
            string captured;
            lock (log)
            {
                captured = log.ToString();
            }

            process.Dispose();
            throw new InvalidOperationException($"child server did not become ready: {ex.Message}\n--- its output ---\n{captured}", ex);
        }

        void OnLine(string? line, string stream)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.Append(stream).Append(": ").AppendLine(line);
            }

            var match = ConnectionStringPattern().Match(line);
            if (match.Success)
            {
                connectionStringSeen.TrySetResult(match.Value);
            }
        }
    }

    /// <summary>SIGKILL: no chance to flush or close anything, like a power cut of the process.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait: the clean shutdown path `zpm mongo serve` promises.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            if (SendSignal(_process.Id, SigTerm) != 0)
            {
                throw new InvalidOperationException($"could not send SIGTERM to pid {_process.Id}");
            }
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    [GeneratedRegex(@"mongodb://[^\s""']+")]
    private static partial Regex ConnectionStringPattern();
}
