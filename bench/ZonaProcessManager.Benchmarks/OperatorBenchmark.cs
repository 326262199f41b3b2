using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Bson;
using MongoDB.Driver;
using Serilog;
using Serilog.Events;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.EmbeddedMongo;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ServiceSpec = ZonaProcessManager.Domain.Model.ServiceSpec;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// The operator's performance figures in one run, at the two scales its goals name (macro measurements, hence a plain program and
/// not BenchmarkDotNet): (a) N ServiceSpecs (200) inserted at once until all Running, against creating the same
/// containers directly through Docker with the same parallelism; (b) spec write acknowledged → the operator's first
/// Docker call for it; then the operator is grown to C converged services (1000) for (c) idle CPU and memory and the
/// wall time of one full resync, and (d) an operator restart: containers restarted or recreated, and seconds to steady
/// state. The operator and the embedded server run in this process, scoped to tenants unique to the run, at most
/// <see cref="ServicesPerTenant"/> services each (every container of a tenant has an address on its tenant network, and a
/// /24 address pool holds 253); every container it leads to is removed at the end, also on failure, Ctrl+C or SIGTERM.
/// Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- operator [--services N] [--converged C]
///      [--idle-seconds S] [--health-interval S | --no-health-check]
/// </summary>
public static class OperatorBenchmark
{
    // Shared with IntegrationBenchmark, so both benchmarks' figures use the same image, port and parallelism.
    internal const string Image = "zpm/busybox:latest";
    internal const int HttpPort = 8080;

    /// <summary>Seconds after converging measured apart from the idle window (tier-1 compilation of the hot paths).</summary>
    private const int SettleSeconds = 30;
    internal const int Parallelism = 4;

    // Short enough that readiness is quick, lenient enough that probes (each a docker exec) do not time out on a loaded
    // 2-core machine: with 1 s / 1 s, hundreds of probes a second turned healthy containers unhealthy in both arms.
    private const int DefaultHealthIntervalSeconds = 2;
    private const int HealthTimeoutSeconds = 5;
    private const int HealthRetries = 3;
    private const int LatencyProbes = 200;

    /// <summary>Services per tenant: below the 253 addresses of a /24 tenant network, with room for the latency probes.</summary>
    internal const int ServicesPerTenant = 200;

    /// <summary>How often a wait polls the store: fine enough for runs of a minute and more, cheap for the operator arm.</summary>
    internal static readonly TimeSpan StorePollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ConvergeDeadline = TimeSpan.FromMinutes(20);

    public static async Task<int> RunAsync(string[] args)
    {
        var services = IntOption(args, "--services", 200);
        var converged = Math.Max(services, IntOption(args, "--converged", 1000));
        var idleSeconds = IntOption(args, "--idle-seconds", 60);

        // Every probe is a docker exec: at hundreds of services a 2 s interval alone saturates two cores, in both arms.
        // --no-health-check measures what the goal names literally ("creating and starting"): both arms without probes,
        // Running = started, which is what makes 200 and 1000 services measurable on two cores.
        int? healthInterval = args.Contains("--no-health-check") ? null : IntOption(args, "--health-interval", DefaultHealthIntervalSeconds);
        var runId = Guid.NewGuid().ToString("N")[..8];
        var tenants = Enumerable.Range(0, (converged + ServicesPerTenant - 1) / ServicesPerTenant).Select(k => $"opb{runId}-{k}").ToList();

        using var cancellation = new StopSignals();

        var root = Path.Combine(Path.GetTempPath(), "zpm-bench-operator-" + runId);
        Directory.CreateDirectory(root);
        using var docker = DockerClientFactory.Create();
        var run = new Run(services, converged, idleSeconds, healthInterval, tenants, docker, cancellation.Token);
        EmbeddedMongoServer? server = null;
        try
        {
            Progress($"run {runId}: {services} services for (a)/(b), {converged} converged for (c)/(d), parallelism {Parallelism}, idle {idleSeconds} s, health {(healthInterval is { } seconds ? $"probe every {seconds} s" : "none")}");
            var baselineTemplate = new ServiceSpecBody
            {
                Image = Image,
                HealthCheck = healthInterval is { } interval
                    ? new HealthCheckSpec { Http = new HttpProbe(HttpPort), IntervalSeconds = interval, TimeoutSeconds = HealthTimeoutSeconds, Retries = HealthRetries }
                    : null,
            };
            var baseline = await DirectDockerBaseline.RunAsync(
                docker, DirectDockerBaseline.Services(services, baselineTemplate, runId), Parallelism, awaitReady: true,
                ConvergeDeadline, cancellation.Token);
            Progress(baseline.ToString());

            server = await EmbeddedMongoServer.StartAsync(
                new EmbeddedMongoOptions { Port = 0, DataDirectory = Path.Combine(root, "mongo") }, cancellation.Token);
            var report = await run.MeasureAsync(server.AdminConnectionString(), baseline);
            report.Print();
            return report.Failed ? 1 : 0;
        }
        catch (OperationCanceledException) when (cancellation.IsStopRequested)
        {
            Console.Error.WriteLine("Cancelled; removing this run's containers.");
            return 130;
        }
        catch (TimeoutException gaveUp)
        {
            // A run that does not converge is a result too: say what it waited for, keep the progress lines above as its
            // figures, and clean up like any other run.
            Progress($"the run did not finish: {gaveUp.Message} The lines above are all it measured; removing this run's containers.");
            return 1;
        }
        finally
        {
            // The operator first: stopping its store under it would fail its last reconciles with connection errors.
            await run.DisposeAsync();
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            foreach (var tenant in tenants)
            {
                await RemoveTenantContainersAsync(docker, tenant);
                await RemoveTenantNetworksAsync(docker, tenant);
            }

            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }

    internal static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return fallback;
        }

        if (index + 1 >= args.Length || !int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new ArgumentException($"{name} needs a positive whole number.");
        }

        return value;
    }

    internal static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private static async Task RemoveTenantContainersAsync(DockerClient docker, string tenant)
    {
        var leftovers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true },
            },
        }).ConfigureAwait(false);
        await Parallel.ForEachAsync(
            leftovers,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (container, _) => await docker.Containers.RemoveContainerAsync(
                container.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false))
            .ConfigureAwait(false);
        Progress($"removed {leftovers.Count} operator containers of tenant {tenant}");
    }

    // The operator made each tenant's network when it reconciled the tenant's first service; with the containers gone
    // nothing holds it, and a benchmark leaves nothing of its run behind.
    private static async Task RemoveTenantNetworksAsync(DockerClient docker, string tenant)
    {
        var networks = await docker.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true },
            },
        }).ConfigureAwait(false);
        foreach (var network in networks)
        {
            await docker.Networks.DeleteNetworkAsync(network.ID).ConfigureAwait(false);
        }

        Progress($"removed {networks.Count} networks of tenant {tenant}");
    }

    /// <summary>The operator-side measurements; owns the in-process operator host between its start and the end of the run.</summary>
    private sealed class Run(int services, int converged, int idleSeconds, int? healthInterval, IReadOnlyList<string> tenants, DockerClient docker, CancellationToken cancellation) : IAsyncDisposable
    {
        private IHost? _host;
        private RecordingContainerRuntime? _runtime;

        public async Task<Report> MeasureAsync(string connectionString, DirectDockerBaselineResult baseline)
        {
            var settings = new OperatorSettings
            {
                MongoConnectionString = connectionString,
                Database = "zpm",
                Tenants = tenants.ToHashSet(),
                MaxParallelReconciles = Parallelism,
                DockerStopGrace = TimeSpan.FromSeconds(1),
            };
            using var client = new MongoClient(connectionString);
            // The collections, validators and indexes `zpm run` installs before its operator starts: without the indexes
            // every keyed read of a reconcile scans the whole collection.
            await new SchemaInstaller(client.GetDatabase(settings.Database)).InstallAsync(cancellation);
            var collection = client.GetDatabase(settings.Database).GetCollection<BsonDocument>(ZpmCollections.Services);
            var report = new Report(services, converged, idleSeconds, baseline, healthChecked: healthInterval is not null);

            await StartOperatorAsync(settings);

            // (a) + burst half of (b): every document in one acknowledged write.
            var documents = Enumerable.Range(0, services).Select(i => ServiceDocument(i, replicas: 1)).ToList();
            var convergeCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var converge = Stopwatch.StartNew();
            await collection.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = false }, cancellation);
            var burstAck = Stopwatch.GetTimestamp();
            report.UntilAllRunning = await WaitAllRunningAsync(collection, converge, services);
            report.BurstLatencies = documents.Select(d => Key(d)).Select(k => _runtime!.FirstCallTimestamp(k))
                .Select(at => at is { } t ? Stopwatch.GetElapsedTime(burstAck, t).TotalMilliseconds : double.NaN).ToList();
            Progress($"all {services} Running after {report.UntilAllRunning?.TotalSeconds:0.00} s");
            var (lists, listTime) = _runtime!.Lists;
            var reconciles = _host!.Services.GetRequiredService<ReconcileQueue>().CompletedCount;
            Progress($"converging took {reconciles} reconciles and {(Process.GetCurrentProcess().TotalProcessorTime - convergeCpu).TotalSeconds:0.0} s CPU "
                + $"of this process; Docker: {lists} lists ({listTime.TotalSeconds:0.0} s in all), "
                + $"{_runtime.Creates} create+start ({_runtime.CreateAndStartTotal.TotalSeconds:0.0} s in all)");

            // (b) isolated: one write at a time on an otherwise idle operator; replicas 0 so no container is created.
            await WaitQueueIdleAsync(0);
            var probeLatencies = new List<double>();
            for (var i = 0; i < LatencyProbes; i++)
            {
                var probe = ServiceDocument(tenants[0], $"probe-{i:D3}", replicas: 0);
                await collection.InsertOneAsync(probe, cancellationToken: cancellation);
                var ack = Stopwatch.GetTimestamp();
                var key = Key(probe);
                await Until(() => Task.FromResult(_runtime!.FirstCallTimestamp(key) is not null), TimeSpan.FromSeconds(30), $"first Docker call for {key}");
                probeLatencies.Add(Stopwatch.GetElapsedTime(ack, _runtime!.FirstCallTimestamp(key)!.Value).TotalMilliseconds);
            }

            report.ProbeLatencies = probeLatencies;
            await collection.DeleteManyAsync(Builders<BsonDocument>.Filter.Regex("metadata.name", "^probe-"), cancellation);
            await WaitQueueIdleAsync(0);

            // (c) and (d) are about a large converged operator: grow to that size first (not one of the goals' figures).
            if (converged > services)
            {
                var more = Enumerable.Range(services, converged - services).Select(i => ServiceDocument(i, replicas: 1)).ToList();
                var grow = Stopwatch.StartNew();
                await collection.InsertManyAsync(more, new InsertManyOptions { IsOrdered = false }, cancellation);
                report.GrowTime = await WaitAllRunningAsync(collection, grow, converged);
                await WaitQueueIdleAsync(0);
                Progress($"grown to {converged} services Running after {report.GrowTime?.TotalSeconds:0.00} s");
            }

            // (c) idle cost of the converged operator (the embedded server shares this process, so it is included). The
            // first SettleSeconds after converging are measured apart: the runtime is still compiling the hot methods at
            // their second tier then, a one-off of every start, not what an idle operator costs for the rest of its life.
            var process = Process.GetCurrentProcess();
            var settleCpu = process.TotalProcessorTime;
            var settleClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(SettleSeconds), cancellation);
            process.Refresh();
            report.SettleCpuPercent = (process.TotalProcessorTime - settleCpu).TotalMilliseconds / settleClock.Elapsed.TotalMilliseconds * 100;
            GC.Collect();
            var cpuBefore = process.TotalProcessorTime;
            var idleClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds), cancellation);
            process.Refresh();
            report.IdleCpuPercent = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / idleClock.Elapsed.TotalMilliseconds * 100;
            report.WorkingSetMb = process.WorkingSet64 / 1024d / 1024d;
            report.ManagedHeapMb = GC.GetTotalMemory(forceFullCollection: false) / 1024d / 1024d;

            // (c) one resync pass as the periodic loop runs it: list everything once, reconcile what is not settled.
            var queue = _host!.Services.GetRequiredService<ReconcileQueue>();
            var resync = _host.Services.GetRequiredService<Resync>();
            var resyncCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var resyncClock = Stopwatch.StartNew();
            var completedBefore = queue.CompletedCount;
            var pass = await resync.RunOnceAsync("Benchmark resync", cancellation);
            await WaitQueueIdleAsync(completedBefore + pass.Enqueued);
            report.ResyncWall = resyncClock.Elapsed;
            report.ResyncCpu = Process.GetCurrentProcess().TotalProcessorTime - resyncCpu;
            report.Resync = pass;
            Progress($"resync: {pass.Enqueued} keys enqueued, {pass.Settled} settled, {report.ResyncWall.TotalSeconds:0.00} s, "
                + $"{report.ResyncCpu.TotalSeconds:0.00} s CPU");

            // (d) restart with C converged services: nothing may be restarted or recreated. Steady = the start-up resync
            // has run, the queue is idle and every service shows Running.
            var before = await TenantContainersAsync();
            await StopOperatorAsync();
            var restart = Stopwatch.StartNew();
            await StartOperatorAsync(settings);
            var restarted = _host!.Services.GetRequiredService<Resync>();
            await Until(() => Task.FromResult(restarted.LastPass is not null), ConvergeDeadline, "the start-up resync");
            await WaitQueueIdleAsync(0);
            await WaitAllRunningAsync(collection, restart, converged);
            report.RestartPass = restarted.LastPass!;
            report.RestartSteadyState = restart.Elapsed;
            var after = await TenantContainersAsync();
            report.ContainersBefore = before.Count;
            report.ContainersRestarted = before.Count(b =>
                !after.TryGetValue(b.Key, out var a) || a.StartedAt != b.Value.StartedAt || a.RestartCount != b.Value.RestartCount)
                + after.Keys.Count(id => !before.ContainsKey(id));
            report.ChangingCallsAfterRestart = _runtime!.Creates + _runtime.Removes + _runtime.Restarts;
            Progress($"restart: steady after {report.RestartSteadyState.TotalSeconds:0.00} s, {report.ContainersRestarted} restarted/recreated");
            return report;
        }

        public async ValueTask DisposeAsync() => await StopOperatorAsync();

        private async Task StartOperatorAsync(OperatorSettings settings)
        {
            var builder = ZpmOperatorHost.CreateBuilder(settings, services =>
            {
                // A line per Docker action for hundreds of services would drown the table; warnings and errors still show.
                services.AddSerilog(
                    new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger(),
                    dispose: true);
                var real = services.Last(d => d.ServiceType == typeof(IContainerRuntime));
                services.Remove(real);
                services.AddSingleton(sp => new RecordingContainerRuntime((IContainerRuntime)real.ImplementationFactory!(sp)));
                services.AddSingleton<IContainerRuntime>(sp => sp.GetRequiredService<RecordingContainerRuntime>());
            });
            _host = builder.Build();
            _runtime = _host.Services.GetRequiredService<RecordingContainerRuntime>();
            await _host.StartAsync(cancellation);
        }

        private async Task StopOperatorAsync()
        {
            if (_host is null)
            {
                return;
            }

            try
            {
                await _host.StopAsync(CancellationToken.None);
            }
            finally
            {
                _host.Dispose();
                _host = null;
            }
        }

        /// <summary>Service number <paramref name="index"/>, in the run's tenant that holds it.</summary>
        private BsonDocument ServiceDocument(int index, int replicas) =>
            ServiceDocument(tenants[index / ServicesPerTenant], $"svc-{index:D4}", replicas);

        private BsonDocument ServiceDocument(string tenant, string name, int replicas)
        {
            var spec = new BsonDocument { ["image"] = Image, ["replicas"] = replicas };
            if (healthInterval is { } interval)
            {
                spec["healthCheck"] = new BsonDocument
                {
                    ["http"] = new BsonDocument { ["port"] = HttpPort, ["path"] = "/" },
                    ["intervalSeconds"] = interval,
                    ["timeoutSeconds"] = HealthTimeoutSeconds,
                    ["retries"] = HealthRetries,
                };
            }

            return new BsonDocument
            {
                ["_id"] = $"{tenant}/{name}",
                ["apiVersion"] = ServiceSpec.ApiVersion,
                ["kind"] = ServiceSpec.KindName,
                ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = tenant },
                ["spec"] = spec,
            };
        }

        private static ResourceKey Key(BsonDocument document) =>
            new(ServiceSpec.KindName, document["metadata"]["tenant"].AsString, document["metadata"]["name"].AsString);

        private async Task<TimeSpan?> WaitAllRunningAsync(IMongoCollection<BsonDocument> collection, Stopwatch clock, int expected)
        {
            var running = Builders<BsonDocument>.Filter.In("metadata.tenant", tenants)
                & Builders<BsonDocument>.Filter.Regex("metadata.name", "^svc-")
                & Builders<BsonDocument>.Filter.Eq("status.phase", "Running");
            var seen = 0L;
            try
            {
                await Until(
                    async () => (seen = await collection.CountDocumentsAsync(running, cancellationToken: cancellation)) == expected,
                    ConvergeDeadline,
                    $"all {expected} services Running",
                    StorePollInterval);
            }
            catch (TimeoutException gaveUp)
            {
                throw new TimeoutException($"{gaveUp.Message} {seen} of them were.", gaveUp);
            }

            return clock.Elapsed;
        }

        private Task WaitQueueIdleAsync(long completedAtLeast)
        {
            var queue = _host!.Services.GetRequiredService<ReconcileQueue>();
            return Until(
                () => Task.FromResult(queue.CompletedCount >= completedAtLeast && queue.IsIdle),
                ConvergeDeadline,
                "operator queue idle");
        }

        private async Task<Dictionary<string, (string? StartedAt, long RestartCount)>> TenantContainersAsync()
        {
            var result = new Dictionary<string, (string?, long)>();
            foreach (var tenant in tenants)
            {
                var listed = await docker.Containers.ListContainersAsync(
                    new ContainersListParameters
                    {
                        All = true,
                        Filters = new Dictionary<string, IDictionary<string, bool>>
                        {
                            ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true },
                        },
                    },
                    cancellation);
                foreach (var container in listed)
                {
                    var inspected = await docker.Containers.InspectContainerAsync(container.ID, cancellation);
                    result[container.ID] = (inspected.State?.StartedAt, inspected.RestartCount);
                }
            }

            return result;
        }

        private Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null) =>
            UntilAsync(condition, timeout, what, interval ?? TimeSpan.FromMilliseconds(20), cancellation);
    }

    /// <summary>Polls <paramref name="condition"/> until true; throws naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    /// <param name="interval">20 ms suits in-memory checks; a store query polled that often costs the operator arm
    /// real CPU on two cores (a 100-service run spent 16 s of CPU converging, much of it on such counts).</param>
    internal static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan interval, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up waiting for {what} after {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(interval, cancellationToken);
        }
    }

    private sealed class Report(int services, int converged, int idleSeconds, DirectDockerBaselineResult baseline, bool healthChecked)
    {
        public TimeSpan? UntilAllRunning { get; set; }

        public IReadOnlyList<double> BurstLatencies { get; set; } = [];

        public IReadOnlyList<double> ProbeLatencies { get; set; } = [];

        public double IdleCpuPercent { get; set; }
        public double SettleCpuPercent { get; set; }

        public double WorkingSetMb { get; set; }

        public double ManagedHeapMb { get; set; }

        public TimeSpan? GrowTime { get; set; }

        public TimeSpan ResyncWall { get; set; }

        public TimeSpan ResyncCpu { get; set; }

        public ResyncPass Resync { get; set; } = new(0, 0);

        public ResyncPass RestartPass { get; set; } = new(0, 0);

        public int ContainersBefore { get; set; }

        public int ContainersRestarted { get; set; }

        public long ChangingCallsAfterRestart { get; set; }

        public TimeSpan RestartSteadyState { get; set; }

        public bool Failed => UntilAllRunning is null || baseline.Failures > 0 || ContainersRestarted > 0;

        public void Print()
        {
            var ratio = UntilAllRunning is { } op && baseline.UntilAllReady is { } direct ? (op / direct).ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine($"Operator benchmark ({services} services for (a)/(b), {converged} for (c)/(d), parallelism {Parallelism}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:u})");
            Console.WriteLine();
            Console.WriteLine($"| {"measure",-86} | {"value",18} |");
            Console.WriteLine($"|{new string('-', 88)}|{new string('-', 20)}|");
            Row($"(a) direct Docker: create+start{(healthChecked ? "+healthy" : " (no health check)")}, all (s)", Seconds(baseline.UntilAllReady));
            Row("(a) operator: insert at once -> all status.phase Running (s)", Seconds(UntilAllRunning));
            Row("(a) ratio operator / direct (goal <= 1.10)", ratio);
            Row($"(b) write ack -> first Docker call, {ProbeLatencies.Count} single writes p50 / p99 (ms, goal p99 <= 20)", Percentiles(ProbeLatencies));
            Row($"(b) same, {BurstLatencies.Count} documents in one insertMany, p50 / p99 (ms)", Percentiles(BurstLatencies));
            Row($"    grow to {converged} services: insert at once -> all Running (s, not a goal)", Seconds(GrowTime));
            Row($"(c) CPU in the first {SettleSeconds} s after converging, operator + embedded server (% of one core)", SettleCpuPercent.ToString("0.00", CultureInfo.InvariantCulture));
            Row($"(c) idle CPU over the next {idleSeconds} s, {converged} services, operator + embedded server (% of one core)", IdleCpuPercent.ToString("0.00", CultureInfo.InvariantCulture));
            Row("(c) working set / managed heap after idle (MB)", $"{WorkingSetMb:0} / {ManagedHeapMb:0}");
            Row($"(c) one full resync: keys enqueued / services already settled", $"{Resync.Enqueued} / {Resync.Settled}");
            Row("(c) one full resync: list everything -> queue idle, wall / process CPU (s)", $"{Seconds(ResyncWall)} / {Seconds(ResyncCpu)}");
            Row($"(d) restart: containers restarted or recreated, of {ContainersBefore} (goal 0)", ContainersRestarted.ToString(CultureInfo.InvariantCulture));
            Row("(d) restart: create/remove/restart calls by the new operator", ChangingCallsAfterRestart.ToString(CultureInfo.InvariantCulture));
            Row("(d) restart: start-up resync keys enqueued / services already settled", $"{RestartPass.Enqueued} / {RestartPass.Settled}");
            Row("(d) restart: host start -> start-up resync done, queue idle, all Running (s)", Seconds(RestartSteadyState));
        }

        private static string Seconds(TimeSpan? value) => value is { } v ? v.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

        private static string Percentiles(IReadOnlyList<double> values)
        {
            var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
            if (sorted.Length == 0)
            {
                return "n/a";
            }

            double At(double fraction) => sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
            return string.Create(CultureInfo.InvariantCulture, $"{At(0.50):0.0} / {At(0.99):0.0}");
        }

        private static void Row(string measure, string value) => Console.WriteLine($"| {measure,-86} | {value,18} |");
    }
}
