using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.HighAvailability;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// `make bench-ha`: two real `zpm run --mongo …` processes on one `zpm mongo serve` (the harness the leader-election
/// tests use), N converged services without health checks, then kill -9 of the leader. Measures, from the kill: when
/// the standby leads, when its start-up resync has run (and what it enqueued), when a service inserted at the moment of
/// the kill is Running (against the same insert on the steady leader before the kill, the baseline), and what the
/// takeover did to the N services' containers (replaced, restarted, Docker actions by the new leader; goal 0).
/// Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- ha [--services 200] [--zpm artifacts/zpm/zpm.dll]
///      [--lease-duration 15s --renew-deadline 10s --retry-period 2s] [--observe-seconds 10]
/// </summary>
public static class HighAvailabilityBenchmark
{
    private static readonly string[] LeaseOptions = ["--lease-duration", "--renew-deadline", "--retry-period"];

    public static async Task<int> RunAsync(string[] args)
    {
        var services = int.Parse(Option(args, "--services") ?? "200", CultureInfo.InvariantCulture);
        var observe = TimeSpan.FromSeconds(double.Parse(Option(args, "--observe-seconds") ?? "10", CultureInfo.InvariantCulture));
        var zpmDll = Path.GetFullPath(Option(args, "--zpm") ?? Path.Combine("artifacts", "zpm", "zpm.dll"));
        var lease = LeaseOptions.Where(o => Option(args, o) is not null).SelectMany(o => new[] { o, Option(args, o)! }).ToList();
        if (services is < 1 or > 200)
        {
            // One tenant: its containers share one network, whose /24 pool holds 253 addresses.
            Console.Error.WriteLine("ha: --services must be 1..200");
            return 2;
        }

        using var signals = new StopSignals();
        var runId = Guid.NewGuid().ToString("N")[..8];
        Progress($"ha run {runId}: {services} services, lease {(lease.Count == 0 ? "zpm's defaults" : string.Join(' ', lease))}, zpm {zpmDll}");
        await using var cluster = await HaCluster.StartAsync(zpmDll, runId, instances: 2, lease);
        try
        {
            return await MeasureAsync(cluster, services, observe, lease, signals.Token);
        }
        catch (OperationCanceledException)
        {
            Progress("stopped (Ctrl+C / SIGTERM); removing this run's processes and containers");
            return 1;
        }
    }

    private static async Task<int> MeasureAsync(HaCluster cluster, int services, TimeSpan observe, List<string> lease, CancellationToken cancellation)
    {
        var first = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(120));
        Progress($"{first.Leader.Name} leads (term {first.Term.Generation}); inserting {services} services");
        var names = Enumerable.Range(0, services).Select(i => $"svc{i:D3}").ToList();
        var converge = Stopwatch.StartNew();
        await cluster.Services.InsertManyAsync(names.Select(n => cluster.Service(n, 1)), cancellationToken: cancellation);
        await WaitAsync(async () => await cluster.RunningCountAsync(names) == services, TimeSpan.FromMinutes(15), cancellation);
        Progress($"{services} services Running after {converge.Elapsed.TotalSeconds:0.0} s");

        // Baseline: the same single insert, answered by the steady leader.
        var baseline = await TimeUntilRunningAsync(cluster, "probe-steady", cancellation);
        Progress($"baseline: a service inserted on the steady leader is Running after {baseline.TotalMilliseconds:0} ms");

        var before = await SnapshotAsync(cluster, names);
        var actionsBefore = cluster.DockerActions.Count;
        // Read just before the kill: the last renewal the killed leader made, so the lease's expiry by the store's clock.
        var expiresAt = (await cluster.LeasesAsync()).Single().ExpiresAt;
        var killedAt = DateTimeOffset.UtcNow;
        var sinceKill = Stopwatch.StartNew();
        await first.Leader.KillAsync();
        await cluster.Services.InsertOneAsync(cluster.Service("probe-takeover", 1), cancellationToken: cancellation);
        var probeRunning = Task.Run(async () =>
        {
            await WaitAsync(async () => await cluster.RunningCountAsync(["probe-takeover"]) == 1, TimeSpan.FromMinutes(5), cancellation);
            return sinceKill.Elapsed;
        }, cancellation);
        var second = await cluster.WaitForLeaderAsync(TimeSpan.FromMinutes(2), leader => leader != first.Leader);
        var leads = second.Term.At - killedAt;
        Progress($"{second.Leader.Name} leads (term {second.Term.Generation}) {leads.TotalMilliseconds:0} ms after the kill");
        await WaitAsync(() => Task.FromResult(second.Leader.Lines.Any(l => l.Kind == LeadershipLogKind.Resync && l.At >= second.Term.At)), TimeSpan.FromMinutes(5), cancellation);
        var resync = second.Leader.Lines.First(l => l.Kind == LeadershipLogKind.Resync && l.At >= second.Term.At);
        var (enqueued, settled) = ResyncCounts(resync);
        var probe = await probeRunning;
        Progress($"probe-takeover Running {probe.TotalMilliseconds:0} ms after the kill; observing the {services} services for {observe.TotalSeconds:0} s more");

        // Nothing to wait for here: this window is where a takeover that disturbs running containers would show it.
        await Task.Delay(observe, cancellation);
        var after = await SnapshotAsync(cluster, names);
        var replaced = before.Keys.Count(id => !after.ContainsKey(id));
        var restarted = before.Count(b => after.TryGetValue(b.Key, out var a) && (a.RestartCount != b.Value.RestartCount || a.StartedAt != b.Value.StartedAt));
        var newLeaderActions = cluster.DockerActions.Skip(actionsBefore)
            .Where(a => a.Instance == second.Leader.Name && !a.Path.Contains("probe-takeover", StringComparison.Ordinal))
            .ToList();
        var probeContainer = (await cluster.ContainersAsync()).FirstOrDefault(c => HaCluster.Label(c, ZpmLabels.Name) == "probe-takeover")?.ID;
        var otherActions = newLeaderActions.Where(a => probeContainer is null || !a.Path.Contains(probeContainer, StringComparison.Ordinal)).ToList();
        var duplicates = HaCluster.DuplicateSlots(await cluster.ContainersAsync());

        Console.WriteLine();
        Console.WriteLine($"HA benchmark: {services} converged services (no health checks), 2 zpm run processes, kill -9 of the leader; " +
            $"lease {(lease.Count == 0 ? "zpm's defaults" : string.Join(' ', lease))}; {Environment.ProcessorCount} cores, {DateTime.UtcNow:u}");
        Console.WriteLine();
        Row("measure", "value");
        Console.WriteLine($"|{new string('-', 88)}|{new string('-', 20)}|");
        Row("kill -9 → the standby leads (its Leading line)", Ms(leads));
        Row("  the killed leader's lease expiry (read just before the kill) → the standby leads", expiresAt is { } expiry ? Ms(second.Term.At.UtcDateTime - expiry) : "n/a");
        Row("kill -9 → its start-up resync has run (its first Resync line)", Ms(resync.At - killedAt));
        Row("  that resync: keys enqueued / services already settled", $"{enqueued} / {settled}");
        Row("kill -9 → a service inserted at the kill is Running", Ms(probe));
        Row("baseline: the same insert on the steady leader → Running", Ms(baseline));
        Row("  ratio (takeover / baseline)", (probe / baseline).ToString("0.0", CultureInfo.InvariantCulture) + "x");
        Row($"containers of the {services} services replaced by the takeover (goal 0)", replaced.ToString(CultureInfo.InvariantCulture));
        Row($"containers of the {services} services restarted (StartedAt/RestartCount changed; goal 0)", restarted.ToString(CultureInfo.InvariantCulture));
        Row($"Docker actions of the new leader on the {services} services (goal 0)", otherActions.Count.ToString(CultureInfo.InvariantCulture));
        Row("replica slots held by more than one container", duplicates.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var action in otherActions.Take(10))
        {
            Console.WriteLine($"  {action}");
        }

        return 0;
    }

    private static async Task<TimeSpan> TimeUntilRunningAsync(HaCluster cluster, string name, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        await cluster.Services.InsertOneAsync(cluster.Service(name, 1), cancellationToken: cancellation);
        await WaitAsync(async () => await cluster.RunningCountAsync([name]) == 1, TimeSpan.FromMinutes(2), cancellation);
        return clock.Elapsed;
    }

    private static async Task<Dictionary<string, (long RestartCount, string StartedAt)>> SnapshotAsync(HaCluster cluster, IReadOnlyCollection<string> names)
    {
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var snapshot = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        foreach (var container in await cluster.ContainersAsync())
        {
            if (wanted.Contains(HaCluster.Label(container, ZpmLabels.Name) ?? ""))
            {
                ContainerInspectResponse inspected = await cluster.Docker.Containers.InspectContainerAsync(container.ID);
                snapshot[container.ID] = (inspected.RestartCount, inspected.State?.StartedAt ?? "");
            }
        }

        return snapshot;
    }

    private static (string Enqueued, string Settled) ResyncCounts(LeadershipLogLine line)
    {
        using var json = JsonDocument.Parse(line.Text);
        var root = json.RootElement;
        return (root.TryGetProperty("Count", out var count) ? count.ToString() : "?", root.TryGetProperty("Settled", out var settled) ? settled.ToString() : "?");
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan deadline, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is MongoException or TimeoutException)
            {
                // The store is busy or restarting: ask again.
            }

            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException($"condition not met within {deadline.TotalSeconds:0} s");
            }

            await Task.Delay(100, cancellation);
        }
    }

    private static string Ms(TimeSpan span) => $"{span.TotalMilliseconds:0} ms";

    private static void Row(string measure, string value) => Console.WriteLine($"| {measure,-86} | {value,18} |");

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
