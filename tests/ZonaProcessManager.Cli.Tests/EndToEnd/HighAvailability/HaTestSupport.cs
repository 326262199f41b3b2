using Docker.DotNet.Models;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.HighAvailability;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests.EndToEnd.HighAvailability;

/// <summary>Lease settings, waits and checks the leader-election tests share.</summary>
internal static class HaTestSupport
{
    /// <summary>A lease short enough that a takeover takes seconds: 3 s lease, 2 s renew deadline, 500 ms retry.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(500);
    public static readonly string[] ShortLease = ["--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "500ms"];

    /// <summary>Time for the first election after start and for a service to converge on a loaded two-core machine.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    public static string ZpmDll => MongoServerProcess.DefaultZpmDll;

    /// <summary>Unique per test run, so two runs never share a tenant, a directory or a container name.</summary>
    public static string NewRunId() => Guid.NewGuid().ToString("N")[..8];

    public static async Task WaitUntilAsync(HaCluster cluster, Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        Exception? lastError = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is MongoDB.Driver.MongoException or TimeoutException or global::Docker.DotNet.DockerApiException)
            {
                lastError = exception;
            }

            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"timed out after {deadline.TotalSeconds:0.#} s waiting for {what}"
                    + (lastError is null ? "" : $" (last error: {lastError.Message})") + "\n" + await cluster.DescribeAsync());
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits until every named service is Running with all replicas ready and their containers run, one per slot.</summary>
    public static Task WaitConvergedAsync(HaCluster cluster, IReadOnlyDictionary<string, int> replicasByService, TimeSpan deadline) =>
        WaitUntilAsync(cluster, async () =>
        {
            if (await cluster.RunningCountAsync(replicasByService.Keys) != replicasByService.Count)
            {
                return false;
            }

            // Every container of the tenant counts, running or not: one still being removed, or created by a deposed
            // leader's last call and not yet removed by the leader now, is not converged.
            var containers = await cluster.ContainersAsync();
            return replicasByService.All(s =>
            {
                var own = containers.Where(c => HaCluster.Label(c, Domain.Ports.ZpmLabels.Name) == s.Key).ToList();
                return own.Count == s.Value && own.All(c => c.State == "running");
            });
        }, deadline, $"services {string.Join(", ", replicasByService.Select(s => $"{s.Key}×{s.Value}"))} Running with exactly their containers, all running");

    /// <summary>
    /// Asserts that no two processes acted at once, for Docker actions and for store writes that changed something
    /// outside the election's own collections (the lease is written by whoever takes it, and every instance, standbys
    /// too, keeps its record in `operators`), and writes the terms to the output.
    /// </summary>
    public static void AssertNoOverlappingTerms(HaCluster cluster, ITestOutputHelper output)
    {
        var processes = cluster.AllProcesses;
        var actions = cluster.DockerActions;
        var writes = cluster.StoreWrites.Where(IsOperatorWork).ToList();
        var dockerViolations = LeadershipTimeline.Overlaps(processes, actions.Select(a => (a.Instance, a.At)));
        var writeViolations = LeadershipTimeline.Overlaps(processes, writes.Select(w => (w.Instance, w.At)));
        var ignored = new List<string>();
        foreach (var span in LeadershipTimeline.Spans(processes, actions.Select(a => (a.Instance, a.At)), ignored))
        {
            output.WriteLine($"term {span}");
        }

        foreach (var lost in processes.SelectMany(p => p.Lines.Where(l => l.Kind == LeadershipLogKind.Lost).Select(l => (p.Name, l))))
        {
            output.WriteLine($"{lost.Name} lost a term: {lost.l.Text}");
        }

        output.WriteLine($"{actions.Count} Docker actions and {writes.Count} effective store writes recorded across {processes.Count} processes");
        Assert.True(dockerViolations.Count == 0, "Docker actions of two processes overlap:\n" + string.Join('\n', dockerViolations.Take(20))
            + "\n" + string.Join('\n', actions.TakeLast(40)));
        Assert.True(writeViolations.Count == 0, "store writes of two processes overlap:\n" + string.Join('\n', writeViolations.Take(20))
            + "\n" + string.Join('\n', writes.TakeLast(40)));
    }

    /// <summary>A store write that changed something the operator's work consists of (not the election's bookkeeping).</summary>
    public static bool IsOperatorWork(StoreWrite write) =>
        write.Affected > 0 && write.Collection is not (HaCluster.LeaseCollection or HaCluster.OperatorsCollection);

    public static void AssertNoDuplicateSlots(IEnumerable<ContainerListResponse> containers)
    {
        var duplicates = HaCluster.DuplicateSlots(containers);
        Assert.True(duplicates.Count == 0, "replica slots held by more than one container: " + string.Join("; ", duplicates));
    }
}
