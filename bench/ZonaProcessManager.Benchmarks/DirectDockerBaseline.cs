using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Benchmarks;

/// <summary>What creating and starting containers straight through the Docker API cost.</summary>
/// <param name="UntilAllReady">From the first call until every container ran (and, with a health check, was healthy); null when not awaited or not reached.</param>
public sealed record DirectDockerBaselineResult(
    int Count,
    int Parallelism,
    TimeSpan UntilAllStarted,
    TimeSpan? UntilAllReady,
    TimeSpan CreateAndStartP50,
    TimeSpan CreateAndStartP99,
    int Failures)
{
    public override string ToString() =>
        $"direct-docker: {Count} containers, parallelism {Parallelism}: all started {UntilAllStarted.TotalSeconds:0.00} s, "
        + $"all ready {(UntilAllReady is { } ready ? $"{ready.TotalSeconds:0.00} s" : "n/a")}, "
        + $"create+start p50 {CreateAndStartP50.TotalMilliseconds:0} ms p99 {CreateAndStartP99.TotalMilliseconds:0} ms, "
        + $"failures {Failures}";
}

/// <summary>
/// The yardstick for the operator benchmark's figure (a): the same containers the operator would create for N
/// ServiceSpecs, created and started directly through the Docker API with the same parallelism and no operator in
/// between. The create requests come from <see cref="ContainerSpecTranslator"/>, so Docker does exactly the work it
/// does for the operator. Everything it creates carries a run label and is removed afterwards (not timed).
/// </summary>
public static class DirectDockerBaseline
{
    public const string RunLabel = "zpm.bench-run";

    /// <summary>N single-replica services named svc-0000... in a tenant unique to this run.</summary>
    public static IReadOnlyList<DesiredContainer> Services(int count, ServiceSpecBody template, string runId) =>
        Enumerable.Range(0, count)
            .Select(i => new DesiredContainer
            {
                Owner = new ResourceKey(Domain.Model.ServiceSpec.KindName, $"bench{runId}", $"svc-{i:D4}"),
                Replica = 0,
                SpecHash = "baseline",
                Spec = template,
                ExtraLabels = new Dictionary<string, string> { [RunLabel] = runId },
            })
            .ToList();

    public static async Task<DirectDockerBaselineResult> RunAsync(
        DockerClient client,
        IReadOnlyList<DesiredContainer> containers,
        int parallelism,
        bool awaitReady,
        TimeSpan readyTimeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(containers);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var options = new DockerRuntimeOptions();
        var plans = containers.Select(c => ContainerSpecTranslator.Translate(c, options)).ToList();
        var latencies = new TimeSpan[plans.Count];
        var ids = new string?[plans.Count];
        var failures = 0;

        var clock = Stopwatch.StartNew();
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, plans.Count),
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    var started = clock.Elapsed;
                    try
                    {
                        var plan = plans[index];
                        var created = await client.Containers.CreateContainerAsync(plan.Parameters, token).ConfigureAwait(false);
                        ids[index] = created.ID;
                        foreach (var network in plan.AdditionalNetworks)
                        {
                            await client.Networks.ConnectNetworkAsync(
                                network, new NetworkConnectParameters { Container = created.ID }, token).ConfigureAwait(false);
                        }

                        await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), token)
                            .ConfigureAwait(false);
                    }
                    catch (DockerApiException exception)
                    {
                        Interlocked.Increment(ref failures);
                        Console.Error.WriteLine($"direct-docker: {plans[index].Parameters.Name}: {exception.ResponseBody?.Trim()}");
                    }

                    latencies[index] = clock.Elapsed - started;
                }).ConfigureAwait(false);
            var untilAllStarted = clock.Elapsed;

            TimeSpan? untilAllReady = null;
            if (awaitReady && failures == 0)
            {
                untilAllReady = await AwaitAllReadyAsync(client, ids.OfType<string>().ToList(), clock, readyTimeout, cancellationToken)
                    .ConfigureAwait(false);
            }

            var sorted = latencies.Order().ToArray();
            return new DirectDockerBaselineResult(
                plans.Count, parallelism, untilAllStarted, untilAllReady, Percentile(sorted, 0.50), Percentile(sorted, 0.99), failures);
        }
        finally
        {
            await RemoveAsync(client, containers, parallelism).ConfigureAwait(false);
        }
    }

    /// <summary>Polls Docker the way the operator learns readiness: running, and healthy when a health check exists.</summary>
    private static async Task<TimeSpan?> AwaitAllReadyAsync(
        DockerClient client, IReadOnlyList<string> ids, Stopwatch clock, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pending = new HashSet<string>(ids, StringComparer.Ordinal);
        var deadline = clock.Elapsed + timeout;
        while (pending.Count > 0)
        {
            if (clock.Elapsed > deadline)
            {
                return null;
            }

            var listed = await client.Containers.ListContainersAsync(
                new ContainersListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["id"] = pending.ToDictionary(id => id, _ => true),
                        ["status"] = new Dictionary<string, bool> { ["running"] = true },
                    },
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var container in listed)
            {
                // API 1.41 lists health only in the status text: "Up 3 seconds (healthy)".
                var status = container.Status ?? string.Empty;
                var hasHealthCheck = status.Contains("health", StringComparison.Ordinal);
                if (!hasHealthCheck || status.Contains("(healthy)", StringComparison.Ordinal))
                {
                    pending.Remove(container.ID);
                }
            }

            if (pending.Count > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
        }

        return clock.Elapsed;
    }

    private static async Task RemoveAsync(DockerClient client, IReadOnlyList<DesiredContainer> containers, int parallelism)
    {
        var runIds = containers.Select(c => c.ExtraLabels.GetValueOrDefault(RunLabel)).OfType<string>().Distinct().ToList();
        foreach (var runId in runIds)
        {
            var leftovers = await client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool> { [$"{RunLabel}={runId}"] = true, [$"{ZpmLabels.Managed}=true"] = true },
                },
            }).ConfigureAwait(false);
            await Parallel.ForEachAsync(
                leftovers,
                new ParallelOptions { MaxDegreeOfParallelism = parallelism },
                async (container, _) => await client.Containers.RemoveContainerAsync(
                    container.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false))
                .ConfigureAwait(false);
        }
    }

    private static TimeSpan Percentile(TimeSpan[] sorted, double fraction) =>
        sorted.Length == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}
