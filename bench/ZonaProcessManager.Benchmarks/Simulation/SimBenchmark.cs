using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Bson;
using MongoDB.Driver;
using Serilog;
using Serilog.Events;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ServiceSpec = ZonaProcessManager.Domain.Model.ServiceSpec;

namespace ZonaProcessManager.Benchmarks.Simulation;

/// <summary>
/// `bench sim`: the real operator (queue, controllers, planner, change-stream watcher, the Mongo adapter against the
/// embedded server in a process of its own) on a <see cref="SimulatedContainerRuntime"/>, at sizes no single Docker host
/// holds. For each size N it inserts N ServiceSpecs (bulk inserts), brings them to Running with every engine call free,
/// then switches the engine to Docker's measured latencies and measures: (1) one full resync, list → queue idle;
/// (2) managed heap after a full collection and the working set, per resource; (3) a container dies → the operator's
/// create of its replacement, one death at a time; (4) a burst of updates: write → the watcher hands the change to the
/// operator. Nothing is asserted; figures go to standard output as a table.
/// Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- sim [--sizes 1000,10000,100000]
///      [--kills K] [--burst B] [--parallel P]
/// </summary>
public static class SimBenchmark
{
    private const string Image = "zpm/busybox:latest";
    private const int InsertBatch = 1000;
    private const int BurstBatch = 500;
    private const int ServicesPerTenant = 1000;
    private const int SampleServices = 100;
    private static readonly TimeSpan SeedDeadline = TimeSpan.FromMinutes(40);
    private static readonly TimeSpan KillBudget = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan BurstDrainWindow = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        var sizes = SizesOption(args);
        var kills = OperatorBenchmark.IntOption(args, "--kills", 100);
        var burst = OperatorBenchmark.IntOption(args, "--burst", 10_000);
        var parallel = OperatorBenchmark.IntOption(args, "--parallel", 4);
        using var stop = new StopSignals();
        var results = new List<SizeResult>();
        Progress($"sizes {string.Join(", ", sizes)}; {kills} deaths (at most {KillBudget.TotalMinutes:0} min each size); burst {burst}; {parallel} reconciles at once; load {LoadAverage()}");
        foreach (var size in sizes)
        {
            var result = new SizeResult(size);
            results.Add(result);
            try
            {
                await RunSizeAsync(result, kills, burst, parallel, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsStopRequested)
            {
                Print(results, kills, burst, parallel);
                return 130;
            }
            catch (TimeoutException exception)
            {
                // A size the operator or the store cannot reach in time is a finding, not a reason to lose the others,
                // nor the figures this size reached before.
                Progress($"size {size}: {exception.Message}");
                result.Failure = exception.Message;
            }
        }

        Print(results, kills, burst, parallel);
        return results.Any(r => r.Failure is not null) ? 1 : 0;
    }

    private static async Task RunSizeAsync(SizeResult result, int kills, int burst, int parallel, CancellationToken cancellation)
    {
        var size = result.Size;
        var runId = Guid.NewGuid().ToString("N")[..8];
        var root = Path.Combine(Path.GetTempPath(), "zpm-bench-sim-" + runId);
        Directory.CreateDirectory(root);
        IHost? host = null;
        MongoServerBenchmark.ServerProcess? server = null;
        try
        {
            server = await MongoServerBenchmark.ServerProcess.StartAsync(Path.Combine(root, "mongo"));
            using var client = new MongoClient(server.ConnectionString);
            var settings = new OperatorSettings
            {
                MongoConnectionString = server.ConnectionString,
                Database = "zpm",
                MaxParallelReconciles = parallel,
                // The benchmark runs its resync itself; a periodic one in the middle of a figure would blur it.
                ResyncInterval = TimeSpan.FromHours(10),
            };
            // The collections, validators and indexes `zpm run` installs before its operator starts: without the indexes
            // every keyed read of a reconcile scans the whole collection (1.3 s a read at 10 000 services).
            await new SchemaInstaller(client.GetDatabase(settings.Database)).InstallAsync(cancellation);
            var collection = client.GetDatabase(settings.Database).GetCollection<BsonDocument>(ZpmCollections.Services);

            var runtime = new SimulatedContainerRuntime();
            result.SimulationHeapBytes = SimulationTableBytes(size);

            // The first services converge through the operator itself, one reconcile at a time as in production; the
            // rest start out as the operator leaves a converged service (its container running, its status written),
            // copied from one of those: bringing 100 000 services up through the store one status write at a time
            // takes hours on this machine. The start-up resync of the operator measured below checks the copies: a
            // copy it does not find settled it reconciles, and the table counts them.
            var seed = Stopwatch.StartNew();
            var sampled = Math.Min(size, SampleServices);
            await InsertAsync(collection, Enumerable.Range(0, sampled).Select(i => ServiceDocument(runId, i)), cancellation);
            (host, _) = BuildHost(settings, runtime);
            await host.StartAsync(cancellation);
            var sampleQueue = host.Services.GetRequiredService<ReconcileQueue>();
            var sampleResync = host.Services.GetRequiredService<Resync>();
            await UntilAsync(() => runtime.Count >= sampled && sampleQueue.IsIdle && sampleResync.LastPass is not null, SeedDeadline, $"{sampled} services converged", TimeSpan.FromMilliseconds(100), cancellation);
            await StopAsync(host);
            host = null;
            var template = runtime.Snapshot().Single(c => c.Owner.Name == NameOf(0));
            if (runtime.Snapshot().Any(c => c.SpecHash != template.SpecHash || c.Replica != 0 || c.State != ContainerState.Running))
            {
                throw new InvalidOperationException("the sample services do not share one spec hash and one running replica; copying their state would be wrong");
            }

            var sampleStatus = (await collection.Find(Builders<BsonDocument>.Filter.Eq("_id", DocumentId(runId, 0))).SingleAsync(cancellation))["status"].AsBsonDocument;
            await InsertAsync(
                collection,
                Enumerable.Range(sampled, size - sampled).Select(i =>
                {
                    var document = ServiceDocument(runId, i);
                    var copy = runtime.AddRunning(template, KeyOf(runId, i));
                    document["status"] = Replace(sampleStatus, new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        [template.Id] = copy.Id,
                        [template.Name] = copy.Name,
                    });
                    return document;
                }),
                cancellation);
            // A fresh operator, as after a restart without its resume token: its start-up resync lists everything once.
            await client.GetDatabase(settings.Database).DropCollectionAsync(ZpmCollections.OperatorState, cancellation);
            result.Insert = seed.Elapsed;
            Progress($"size {size}: {sampled} services converged by the operator, {size - sampled} copied, after {result.Insert.TotalSeconds:0.0} s");

            RecordingResourceWatcher? watcher;
            (host, watcher) = BuildHost(settings, runtime);
            var queue = host.Services.GetRequiredService<ReconcileQueue>();
            var resync = host.Services.GetRequiredService<Resync>();
            var startup = Stopwatch.StartNew();
            await host.StartAsync(cancellation);
            await UntilAsync(() => queue.IsIdle && resync.LastPass is not null, SeedDeadline, "the start-up resync", TimeSpan.FromMilliseconds(100), cancellation);
            result.Seed = startup.Elapsed;
            result.StartupPass = resync.LastPass!;
            result.Running = (int)await collection.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("status.phase", "Running"), cancellationToken: cancellation);
            Progress($"size {size}: {runtime.Count} containers, {result.Running} Running; start-up resync {result.StartupPass} after {result.Seed.TotalSeconds:0.0} s (engine calls free)");

            runtime.Latency = DockerLatencyModel.Measured;

            // (2) memory of the converged operator, before anything below adds work.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            result.HeapBytes = GC.GetTotalMemory(forceFullCollection: true);
            using (var process = Process.GetCurrentProcess())
            {
                result.WorkingSetBytes = process.WorkingSet64;
            }

            Progress($"size {size}: managed heap {Mb(result.HeapBytes)} MB (simulated engine {Mb(result.SimulationHeapBytes)} MB), working set {Mb(result.WorkingSetBytes)} MB");

            // Where a resync's listing goes: the store's one list of every service, and the engine's one list.
            var storeList = Stopwatch.StartNew();
            _ = await host.Services.GetRequiredService<IServiceStore>().ListAsync(cancellation);
            result.StoreList = storeList.Elapsed;
            var engineList = Stopwatch.StartNew();
            _ = await host.Services.GetRequiredService<IWorkloadRuntime>().ObserveAllAsync(cancellation);
            result.EngineList = engineList.Elapsed;

            // (1) one full resync as the periodic loop runs it.
            var resyncClock = Stopwatch.StartNew();
            var completedBefore = queue.CompletedCount;
            var pass = await resync.RunOnceAsync("Benchmark resync", cancellation);
            result.ResyncListed = resyncClock.Elapsed;
            await UntilAsync(() => queue.CompletedCount >= completedBefore + pass.Enqueued && queue.IsIdle, SeedDeadline, "resync's queue idle", TimeSpan.FromMilliseconds(20), cancellation);
            result.Resync = resyncClock.Elapsed;
            result.ResyncPass = pass;
            Progress($"size {size}: resync {result.Resync.TotalSeconds:0.00} s ({pass.Enqueued} enqueued, {pass.Settled} settled)");

            // (3) one death at a time on an otherwise idle operator: die event → create of the replacement.
            var random = new Random(size);
            var killClock = Stopwatch.StartNew();
            for (var i = 0; i < kills && killClock.Elapsed < KillBudget; i++)
            {
                var victim = runtime.PickRunning(random) ?? throw new InvalidOperationException("the simulated engine holds no running container");
                var died = Stopwatch.GetTimestamp();
                runtime.Kill(victim.Id);
                await UntilAsync(() => runtime.LastCreateCall(victim.Owner) > died, TimeSpan.FromMinutes(5), $"a replacement for {victim.Name}", TimeSpan.FromMilliseconds(1), cancellation);
                result.EventToAction.Add(Stopwatch.GetElapsedTime(died, runtime.LastCreateCall(victim.Owner)!.Value).TotalMilliseconds);
                await UntilAsync(() => queue.IsIdle, TimeSpan.FromMinutes(5), "queue idle after a replacement", TimeSpan.FromMilliseconds(5), cancellation);
            }

            Progress($"size {size}: {result.EventToAction.Count} deaths, event → action p50 {Percentile(result.EventToAction, 0.5):0} ms, p99 {Percentile(result.EventToAction, 0.99):0} ms");

            // (4) a burst of updates no reconcile acts on (an annotation), in ordered bulk writes.
            watcher.StartRecording();
            var written = new long[burst];
            var burstClock = Stopwatch.StartNew();
            for (var from = 0; from < burst; from += BurstBatch)
            {
                var count = Math.Min(BurstBatch, burst - from);
                var updates = Enumerable.Range(from, count).Select(i => new UpdateOneModel<BsonDocument>(
                    Builders<BsonDocument>.Filter.Eq("_id", DocumentId(runId, i % size)),
                    Builders<BsonDocument>.Update.Set("metadata.annotations.zpm-bench-burst", i.ToString(CultureInfo.InvariantCulture))));
                var sent = Stopwatch.GetTimestamp();
                Array.Fill(written, sent, from, count);
                await collection.BulkWriteAsync(updates, new BulkWriteOptions { IsOrdered = true }, cancellation);
            }

            result.BurstWrite = burstClock.Elapsed;
            var completedAtBurst = queue.CompletedCount;
            await UntilAsync(() => watcher.ArrivalCount >= burst, TimeSpan.FromMinutes(5), $"{burst} changes seen by the operator", TimeSpan.FromMilliseconds(5), cancellation);
            result.BurstSeen = burstClock.Elapsed;
            var arrivals = watcher.Arrivals;
            result.ChangeLag.AddRange(Enumerable.Range(0, burst).Select(i => Stopwatch.GetElapsedTime(written[i], arrivals[i]).TotalMilliseconds));
            var drainClock = Stopwatch.StartNew();
            while (!queue.IsIdle && drainClock.Elapsed < BurstDrainWindow)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellation);
            }

            result.BurstReconciles = queue.CompletedCount - completedAtBurst;
            result.BurstDrain = queue.IsIdle ? burstClock.Elapsed : null;
            result.BurstReconcileWindow = burstClock.Elapsed;
            Progress($"size {size}: burst written in {result.BurstWrite.TotalSeconds:0.0} s, all seen after {result.BurstSeen.TotalSeconds:0.0} s, lag p99 {Percentile(result.ChangeLag, 0.99):0} ms; {result.BurstReconciles} reconciles in {result.BurstReconcileWindow.TotalSeconds:0} s");
        }
        finally
        {
            // The operator first: stopping its store under it would fail its last reconciles with connection errors.
            if (host is not null)
            {
                await StopAsync(host);
            }

            if (server is not null)
            {
                await server.DisposeAsync();
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

    private static (IHost Host, RecordingResourceWatcher Watcher) BuildHost(OperatorSettings settings, SimulatedContainerRuntime runtime)
    {
        var host = ZpmOperatorHost.CreateBuilder(settings, services =>
        {
            services.AddSerilog(
                new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger(),
                dispose: true);
            services.Remove(services.Last(d => d.ServiceType == typeof(IContainerRuntime)));
            services.AddSingleton<IContainerRuntime>(runtime);
            var realWatcher = services.Last(d => d.ServiceType == typeof(IResourceWatcher));
            services.Remove(realWatcher);
            services.AddSingleton<IResourceWatcher>(sp => new RecordingResourceWatcher((IResourceWatcher)realWatcher.ImplementationFactory!(sp)));
        }).Build();
        var watcher = (RecordingResourceWatcher)host.Services.GetRequiredService<IResourceWatcher>();
        return (host, watcher);
    }

    private static async Task StopAsync(IHost host)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StopAsync(stopping.Token);
        host.Dispose();
    }

    private static async Task InsertAsync(IMongoCollection<BsonDocument> collection, IEnumerable<BsonDocument> documents, CancellationToken cancellation)
    {
        foreach (var batch in documents.Chunk(InsertBatch))
        {
            await collection.InsertManyAsync(batch, new InsertManyOptions { IsOrdered = false }, cancellation);
        }
    }

    /// <summary>A copy of <paramref name="value"/> with every string that is a key of <paramref name="replacements"/> replaced (whole strings and inside longer ones).</summary>
    private static BsonDocument Replace(BsonDocument value, IReadOnlyDictionary<string, string> replacements) =>
        (BsonDocument)ReplaceValue(value, replacements);

    private static BsonValue ReplaceValue(BsonValue value, IReadOnlyDictionary<string, string> replacements) => value switch
    {
        BsonDocument document => new BsonDocument(document.Elements.Select(e => new BsonElement(e.Name, ReplaceValue(e.Value, replacements)))),
        BsonArray array => new BsonArray(array.Select(v => ReplaceValue(v, replacements))),
        BsonString text => new BsonString(replacements.Aggregate(text.Value, (current, pair) => current.Replace(pair.Key, pair.Value, StringComparison.Ordinal))),
        _ => value,
    };

    private static ResourceKey KeyOf(string runId, int index) => new(ServiceSpec.KindName, TenantOf(runId, index), NameOf(index));

    /// <summary>
    /// What the simulated engine's own table of <paramref name="size"/> running containers takes on the managed heap: it
    /// lives in the operator's process here (a real engine does not), so it is taken off the operator's figure.
    /// </summary>
    private static long SimulationTableBytes(int size)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var table = new SimulatedContainerRuntime();
        var spec = new ServiceSpecBody { Image = Image };
        for (var i = 0; i < size; i++)
        {
            var owner = new ResourceKey(ServiceSpec.KindName, TenantOf("measure", i), NameOf(i));
            table.CreateAndStartAsync(new DesiredContainer { Owner = owner, Replica = 0, SpecHash = "0123456789abcdef", Spec = spec }, CancellationToken.None)
                .GetAwaiter().GetResult();
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(table);
        return after - before;
    }

    private static string TenantOf(string runId, int index) => $"sim{runId}-{index / ServicesPerTenant}";

    private static string NameOf(int index) => $"svc-{index:D6}";

    private static string DocumentId(string runId, int index) => $"{TenantOf(runId, index)}/{NameOf(index)}";

    private static BsonDocument ServiceDocument(string runId, int index) => new()
    {
        ["_id"] = DocumentId(runId, index),
        ["apiVersion"] = ServiceSpec.ApiVersion,
        ["kind"] = ServiceSpec.KindName,
        ["metadata"] = new BsonDocument { ["name"] = NameOf(index), ["tenant"] = TenantOf(runId, index) },
        ["spec"] = new BsonDocument { ["image"] = Image, ["replicas"] = 1 },
    };

    private static IReadOnlyList<int> SizesOption(string[] args)
    {
        var index = Array.IndexOf(args, "--sizes");
        if (index < 0)
        {
            return [1000, 10_000, 100_000];
        }

        var sizes = index + 1 < args.Length
            ? args[index + 1].Split([',', ' '], StringSplitOptions.RemoveEmptyEntries)
            : [];
        var parsed = sizes.Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : -1).ToList();
        if (parsed.Count == 0 || parsed.Contains(-1))
        {
            throw new ArgumentException("--sizes needs positive whole numbers separated by commas, e.g. 1000,10000,100000.");
        }

        return parsed;
    }

    private static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan interval, CancellationToken cancellation) =>
        OperatorBenchmark.UntilAsync(() => Task.FromResult(condition()), timeout, what, interval, cancellation);

    private static void Progress(string message) => OperatorBenchmark.Progress(message);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    internal static double Percentile(IReadOnlyList<double> values, double fraction)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static void Print(IReadOnlyList<SizeResult> results, int kills, int burst, int parallel)
    {
        Console.WriteLine($"Simulation benchmark ({parallel} reconciles at once, up to {kills} deaths, burst of {burst} updates, {Environment.ProcessorCount} cores, load {LoadAverage()}, {DateTime.UtcNow:u})");
        Console.WriteLine();
        Console.WriteLine($"| {"measure",-72} | " + string.Join(" | ", results.Select(r => $"{r.Size,12:N0}")) + " |");
        Console.WriteLine($"|{new string('-', 74)}|" + string.Concat(results.Select(_ => new string('-', 14) + "|")));
        Row($"set-up: {SampleServices} services converged by the operator, the rest copied (s)", r => Seconds(r.Insert));
        Row("set-up: a fresh operator's start-up resync -> queue idle, engine calls free (s)", r => Seconds(r.Seed));
        Row("  start-up resync: keys enqueued / settled; services Running", r => $"{r.StartupPass.Enqueued}/{r.StartupPass.Settled}; {r.Running}");
        Row("(1) full resync: list everything (s)", r => Seconds(r.ResyncListed));
        Row("(1) full resync: list -> queue idle (s, goal <= 10 at 100 000)", r => Seconds(r.Resync));
        Row("(1)   keys enqueued / settled", r => $"{r.ResyncPass.Enqueued}/{r.ResyncPass.Settled}");
        Row("(1)   of which alone: the store's list of every service / the engine's list (s)", r => $"{Seconds(r.StoreList)} / {Seconds(r.EngineList)}");
        Row("(2) managed heap after full GC, less the simulated engine (MB)", r => Mb(r.HeapBytes - r.SimulationHeapBytes));
        Row("(2)   of which the simulated engine's table (MB, taken off)", r => Mb(r.SimulationHeapBytes));
        Row("(2) managed heap per resource (KB, goal <= 4)", r => (r.HeapBytes - r.SimulationHeapBytes) / 1024d / r.Size);
        Row("(2) working set, operator process (MB) / per resource (KB)", r => $"{r.WorkingSetBytes / 1048576d:0} / {r.WorkingSetBytes / 1024d / r.Size:0.0}");
        Row("(3) deaths measured", r => r.EventToAction.Count.ToString(CultureInfo.InvariantCulture));
        Row("(3) die -> replacement's create, p50 (ms)", r => Percentile(r.EventToAction, 0.5));
        Row("(3) die -> replacement's create, p99 (ms, goal <= 1.5x the 1 000 figure)", r => Percentile(r.EventToAction, 0.99));
        Row($"(4) burst: {burst} updates written (s)", r => Seconds(r.BurstWrite));
        Row("(4) burst: write -> operator sees the change, p50 / p99 / max (ms)",
            r => r.ChangeLag.Count == 0 ? "n/a" : $"{Percentile(r.ChangeLag, 0.5):0}/{Percentile(r.ChangeLag, 0.99):0}/{r.ChangeLag.Max():0}");
        Row("(4) burst: first write -> all changes seen (s)", r => Seconds(r.BurstSeen));
        Row("(4) burst: reconciles done / in (s); queue idle at (s)",
            r => $"{r.BurstReconciles}/{r.BurstReconcileWindow.TotalSeconds:0}; {(r.BurstDrain is { } d ? Seconds(d) : "no")}");
        foreach (var failed in results.Where(r => r.Failure is not null))
        {
            Console.WriteLine($"size {failed.Size} stopped early (figures after the stop are missing): {failed.Failure}");
        }

        void Row(string measure, Func<SizeResult, object> value) =>
            Console.WriteLine($"| {measure,-72} | " + string.Join(" | ", results.Select(r => $"{Format(value(r)),12}")) + " |");
    }

    private static string Format(object value) => value switch
    {
        double d when double.IsNaN(d) => "n/a",
        double d => d.ToString("0.0", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => (bytes / 1048576d).ToString("0.0", CultureInfo.InvariantCulture);

    private sealed class SizeResult(int size)
    {
        public int Size { get; } = size;
        public string? Failure { get; set; }
        public TimeSpan Insert { get; set; }
        public TimeSpan Seed { get; set; }
        public int Running { get; set; }
        public ResyncPass StartupPass { get; set; } = new(0, 0);
        public long SimulationHeapBytes { get; set; }
        public long HeapBytes { get; set; }
        public long WorkingSetBytes { get; set; }
        public TimeSpan ResyncListed { get; set; }
        public TimeSpan StoreList { get; set; }
        public TimeSpan EngineList { get; set; }
        public TimeSpan Resync { get; set; }
        public ResyncPass ResyncPass { get; set; } = new(0, 0);
        public List<double> EventToAction { get; } = [];
        public TimeSpan BurstWrite { get; set; }
        public TimeSpan BurstSeen { get; set; }
        public List<double> ChangeLag { get; } = [];
        public long BurstReconciles { get; set; }
        public TimeSpan? BurstDrain { get; set; }
        public TimeSpan BurstReconcileWindow { get; set; }
    }
}
