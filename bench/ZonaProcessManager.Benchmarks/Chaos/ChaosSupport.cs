using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Docker.DotNet;
using Docker.DotNet.Models;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Benchmarks.Chaos;

/// <summary>
/// Builds every connection string the chaos run uses. When the server has written the generated password of
/// `zpm-admin` into its data directory (servers with authentication on do that on first start), the credentials go in;
/// otherwise the connection is made without them, so the harness works with and without authentication.
/// </summary>
internal static class ChaosConnection
{
    public const string PasswordFileName = "zpm-admin.password";
    public const string AdminUser = "zpm-admin";

    public static string For(int port, string mongoDataDirectory)
    {
        var url = new MongoUrlBuilder { Server = new MongoServerAddress("127.0.0.1", port), DirectConnection = true };
        var passwordFile = Path.Combine(mongoDataDirectory, PasswordFileName);
        if (File.Exists(passwordFile))
        {
            url.Username = AdminUser;
            url.Password = File.ReadAllText(passwordFile).Trim();
            url.AuthenticationSource = "admin";
        }

        return url.ToString();
    }

    public static MongoClient Client(int port, string mongoDataDirectory, TimeSpan? serverSelectionTimeout = null)
    {
        var settings = MongoClientSettings.FromConnectionString(For(port, mongoDataDirectory));
        settings.ServerSelectionTimeout = serverSelectionTimeout ?? TimeSpan.FromSeconds(10);
        settings.ConnectTimeout = TimeSpan.FromSeconds(5);
        return new MongoClient(settings);
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>A `zpm` child process (`dotnet zpm.dll …`) whose output goes to a log file, counting error and warning lines.</summary>
internal sealed class ChaosProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly object gate = new();
    private readonly TaskCompletionSource installed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int errorLines;
    private int warningLines;

    private ChaosProcess(Process process, StreamWriter log, string logPath)
    {
        this.process = process;
        this.log = log;
        LogPath = logPath;
    }

    public string LogPath { get; }
    public int Id => process.Id;
    public bool HasExited => process.HasExited;
    public int ErrorLines => Volatile.Read(ref errorLines);
    public int WarningLines => Volatile.Read(ref warningLines);

    /// <summary>Completes when `zpm run` reports its schema installed, after which it starts the operator; its store answers earlier.</summary>
    public Task Installed => installed.Task;

    public static ChaosProcess Start(string zpmDll, string logPath, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(zpmDll);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        log.WriteLine($"--- {DateTime.UtcNow:O} dotnet {string.Join(' ', startInfo.ArgumentList)}");
        var process = new Process { StartInfo = startInfo };
        var child = new ChaosProcess(process, log, logPath);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        // Compact JSON (--log-format json) carries "@l"; pretty lines carry "ERR]"/"WRN]"; anything else counts as information.
        if (line.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal) || line.Contains(" ERR]", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref errorLines);
        }
        else if (line.Contains("\"@l\":\"Warning\"", StringComparison.Ordinal) || line.Contains(" WRN]", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref warningLines);
        }

        if (line.StartsWith("installed:", StringComparison.Ordinal))
        {
            installed.TrySetResult();
        }

        lock (gate)
        {
            log.WriteLine(line);
        }
    }

    /// <summary>SIGKILL: nothing is flushed or closed, like a crash.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
        }

        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!process.HasExited)
        {
            _ = SendSignal(process.Id, 15);
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        process.WaitForExit(); // lets the output pumps drain into the log
        process.Dispose();
        lock (gate)
        {
            log.Dispose();
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

/// <summary>Counts Docker `create` events of one tenant's containers, by container name, while it runs.</summary>
internal sealed class CreateEventCounter : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task listening;
    private readonly Dictionary<string, int> byName = new(StringComparer.Ordinal);
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public CreateEventCounter(DockerClient docker, string tenant)
    {
        var parameters = new ContainerEventsParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
                ["event"] = new Dictionary<string, bool> { ["create"] = true },
                ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true },
            },
        };
        listening = Task.Run(async () =>
        {
            try
            {
                await docker.System.MonitorEventsAsync(parameters, new Progress<Message>(OnEvent), stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException)
            {
                // Stopped, or the engine went away (dockerd restart): counting ends there.
            }
        });
    }

    public TimeSpan Elapsed => clock.Elapsed;

    public int Total
    {
        get
        {
            lock (byName)
            {
                return byName.Values.Sum();
            }
        }
    }

    public int For(string containerName)
    {
        lock (byName)
        {
            return byName.GetValueOrDefault(containerName);
        }
    }

    public double PerMinute => Total / Math.Max(clock.Elapsed.TotalMinutes, 1e-9);

    private void OnEvent(Message message)
    {
        var name = message.Actor?.Attributes is { } attributes && attributes.TryGetValue("name", out var n) ? n : "?";
        lock (byName)
        {
            byName[name] = byName.GetValueOrDefault(name) + 1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await listening.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        stop.Dispose();
    }
}

/// <summary>The figures every scenario ends with; null where a figure does not apply to the scenario.</summary>
internal sealed record ChaosResult(string Scenario, int? Lost, int? Duplicates, int? Orphans, int? StatusesMissing, double? CreatesPerMinute, bool? OperatorAlive, string Notes)
{
    public string Line() =>
        $"lost {Show(Lost)}, duplicates {Show(Duplicates)}, orphans {Show(Orphans)}, statuses missing {Show(StatusesMissing)}, " +
        $"create calls/min {(CreatesPerMinute is { } rate ? rate.ToString("0.0", CultureInfo.InvariantCulture) : "n/a")}, " +
        $"operator alive {(OperatorAlive is { } alive ? (alive ? "yes" : "NO") : "n/a")}";

    private static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "n/a";
}

internal static class DockerCleanup
{
    /// <summary>Removes every container and network of <paramref name="tenant"/>; what cannot be removed is reported, not thrown.</summary>
    public static async Task<(int Containers, int Networks)> RemoveTenantAsync(DockerClient docker, string tenant)
    {
        var containers = 0;
        var networks = 0;
        try
        {
            var leftovers = await docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true } },
            });
            foreach (var container in leftovers)
            {
                await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
                containers++;
            }

            foreach (var network in await docker.Networks.ListNetworksAsync(new NetworksListParameters()))
            {
                var owned = network.Name.Contains(tenant, StringComparison.Ordinal)
                    || (network.Labels is not null && network.Labels.TryGetValue(ZpmLabels.Tenant, out var owner) && owner == tenant);
                if (owned)
                {
                    await docker.Networks.DeleteNetworkAsync(network.ID);
                    networks++;
                }
            }
        }
        catch (Exception exception) when (exception is DockerApiException or HttpRequestException or IOException or TimeoutException)
        {
            Console.Error.WriteLine($"chaos: cleanup of tenant {tenant} incomplete: {exception.Message}");
        }

        return (containers, networks);
    }
}
