using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>
/// One incarnation of `zpm run --mongo …` (e.g. "b#2": instance b, second start) talking to the store and to Docker
/// only through relays of its own, so every write and every Docker action it makes is attributed to it. The store's
/// password reaches it through ZPM_MONGO_PASSWORD_FILE, never a command line. Its JSON log goes to a file; the lines
/// about leadership and resync are kept parsed.
/// </summary>
public sealed class OperatorProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly SocketRelay _storeRelay;
    private readonly SocketRelay _dockerRelay;
    private readonly List<LeadershipLogLine> _lines = [];
    private readonly TaskCompletionSource _installed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _paused;

    private OperatorProcess(string name, Process process, StreamWriter log, string logPath, SocketRelay storeRelay, SocketRelay dockerRelay)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
        _storeRelay = storeRelay;
        _dockerRelay = dockerRelay;
    }

    /// <summary>Instance and incarnation, e.g. "a#1".</summary>
    public string Name { get; }

    public string LogPath { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Stopped with SIGSTOP and not yet continued.</summary>
    public bool IsPaused => Volatile.Read(ref _paused) == 1;

    /// <summary>Running and not paused: able to act.</summary>
    public bool IsLive => !HasExited && !IsPaused;

    /// <summary>Completes once `zpm run` has installed the schema and hands over to the operator.</summary>
    public Task Installed => _installed.Task;

    public IReadOnlyList<LeadershipLogLine> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The term this process says it leads now: its last Leading line with no Lost line after it, while it runs.</summary>
    public LeadershipLogLine? CurrentTerm
    {
        get
        {
            if (HasExited)
            {
                return null;
            }

            var last = Lines.LastOrDefault(line => line.Kind is LeadershipLogKind.Leading or LeadershipLogKind.Lost);
            return last?.Kind == LeadershipLogKind.Leading ? last : null;
        }
    }

    /// <param name="name">Instance and incarnation, e.g. "a#1".</param>
    /// <param name="zpmDll">The zpm.dll to run with `dotnet`.</param>
    /// <param name="directory">Where its log and Docker socket go.</param>
    /// <param name="storePort">The store's port (reached through a relay).</param>
    /// <param name="passwordFile">The store administrator's password file.</param>
    /// <param name="arguments">Everything after `zpm run --mongo …`: database, tenant, lease settings.</param>
    /// <param name="recordAction">Receives every Docker action it sends.</param>
    /// <param name="recordWrite">Receives every store write it sends, with its effect.</param>
    public static OperatorProcess Start(string name, string zpmDll, string directory, int storePort, string passwordFile, IEnumerable<string> arguments,
        Action<DockerAction> recordAction, Action<StoreWrite> recordWrite)
    {
        var fileName = name.Replace('#', '-');
        var storeRelay = SocketRelay.ListenTcp(new IPEndPoint(IPAddress.Loopback, storePort), () => new MongoWriteSniffer(name, recordWrite));
        var dockerRelay = SocketRelay.ListenUnix(Path.Combine(directory, fileName + ".sock"), DockerEngineEndPoint(), () => new DockerRequestSniffer(name, recordAction));
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(zpmDll);
        startInfo.ArgumentList.Add("run");
        // directConnection: the driver would otherwise discover the store's own address from its replica-set reply and bypass the relay.
        startInfo.ArgumentList.Add("--mongo");
        startInfo.ArgumentList.Add($"mongodb://127.0.0.1:{storeRelay.Port}/?directConnection=true");
        startInfo.ArgumentList.Add("--log-format");
        startInfo.ArgumentList.Add("json");
        // Several instances run side by side: the default HTTP port would be taken by the first.
        startInfo.ArgumentList.Add("--http");
        startInfo.ArgumentList.Add("off");
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Remove("ZPM_MONGO_URI");
        startInfo.Environment["ZPM_MONGO_PASSWORD_FILE"] = passwordFile;
        startInfo.Environment["DOCKER_HOST"] = "unix://" + Path.Combine(directory, fileName + ".sock");

        var logPath = Path.Combine(directory, fileName + ".log");
        var log = new StreamWriter(new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        log.WriteLine($"--- {DateTime.UtcNow:O} dotnet {string.Join(' ', startInfo.ArgumentList)}");
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var started = new OperatorProcess(name, process, log, logPath, storeRelay, dockerRelay);
        process.OutputDataReceived += (_, e) => started.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => started.OnLine(e.Data);
        process.Exited += (_, _) => started._installed.TrySetException(new InvalidOperationException($"{name} exited before installing; see {logPath}"));
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>The engine the relays forward to: DOCKER_HOST when it names a Unix socket, else the default socket.</summary>
    private static EndPoint DockerEngineEndPoint()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return new UnixDomainSocketEndPoint(host is { Length: > 0 } && host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : "/var/run/docker.sock");
    }

    /// <summary>SIGKILL: a crash, nothing released.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        Volatile.Write(ref _paused, 0);
    }

    /// <summary>SIGSTOP: frozen as by a long GC pause or a hung host, sockets left open.</summary>
    public void Pause()
    {
        Signal(SigStop);
        Volatile.Write(ref _paused, 1);
    }

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume()
    {
        Signal(SigCont);
        Volatile.Write(ref _paused, 0);
    }

    /// <summary>SIGTERM: the graceful shutdown a service manager asks for. Does not wait.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Waits until it exited; false when it had not within <paramref name="deadline"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The last lines of its log, for failure messages.</summary>
    public string Tail(int lines = 40)
    {
        lock (_lines)
        {
            _log.Flush();
        }

        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var all = reader.ReadToEnd().Split('\n');
        return $"--- {Name} (pid {ProcessId}, {LogPath}) ---\n" + string.Join('\n', all.TakeLast(lines));
    }

    private void Signal(int signal)
    {
        if (!_process.HasExited && SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"could not send signal {signal} to {Name} (pid {_process.Id}): errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _log.WriteLine(line);
        }

        if (line.StartsWith("installed:", StringComparison.Ordinal))
        {
            _installed.TrySetResult();
        }
        else if (line.StartsWith('{') && Parse(line) is { } parsed)
        {
            lock (_lines)
            {
                _lines.Add(parsed);
            }
        }
    }

    private static LeadershipLogLine? Parse(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (!root.TryGetProperty("@mt", out var template) || template.GetString() is not { } text || !root.TryGetProperty("@t", out var at))
            {
                return null;
            }

            LeadershipLogKind? kind = text switch
            {
                _ when text.StartsWith("Leader of scope {Lease}: {Holder} (this instance)", StringComparison.Ordinal) => LeadershipLogKind.Elected,
                _ when text.StartsWith("Leading as", StringComparison.Ordinal) => LeadershipLogKind.Leading,
                _ when text.Contains("eadership lost", StringComparison.Ordinal) => LeadershipLogKind.Lost,
                _ when text.StartsWith("{Why}: enqueued", StringComparison.Ordinal) => LeadershipLogKind.Resync,
                _ => null,
            };
            if (kind is null)
            {
                return null;
            }

            long? generation = root.TryGetProperty("Generation", out var g) && g.ValueKind == JsonValueKind.Number ? g.GetInt64() : null;
            var holder = root.TryGetProperty("Holder", out var h) ? h.ToString() : null;
            return new LeadershipLogLine(at.GetDateTimeOffset(), kind.Value, generation, holder, line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (IsPaused)
            {
                Resume();
            }

            await KillAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        await _storeRelay.DisposeAsync().ConfigureAwait(false);
        await _dockerRelay.DisposeAsync().ConfigureAwait(false);
        _process.WaitForExit();
        _process.Dispose();
        lock (_lines)
        {
            _log.Dispose();
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
