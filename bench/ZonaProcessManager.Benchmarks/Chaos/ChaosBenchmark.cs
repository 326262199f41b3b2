using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Benchmarks.Chaos;

/// <summary>
/// `make chaos`: scripted failures against real `zpm run` / `zpm mongo serve` processes, each scenario ending with the
/// same counts (lost, duplicates, orphans, statuses missing, create calls per minute, operator alive). It measures and
/// prints whatever happens; it asserts nothing. Every scenario uses a tenant of its own (chaos&lt;run&gt;&lt;scenario&gt;),
/// and every container and network of those tenants is removed at the end, also on failure, Ctrl+C or SIGTERM.
/// Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- chaos [--only a,b] [--zpm artifacts/zpm/zpm.dll]
/// Scenarios: operator-kill, dockerd (only with CHAOS_DOCKERD=1: it restarts the host's Docker engine), store-kill,
/// malformed, flood, port-conflict.
/// </summary>
public static class ChaosBenchmark
{
    private const string Image = "zpm/busybox:latest";
    private const string Database = "zpm";
    private const string PortRangeArgument = "43000-43999";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly string[] AllScenarios = ["operator-kill", "dockerd", "store-kill", "malformed", "flood", "port-conflict"];

    public static async Task<int> RunAsync(string[] args)
    {
        var zpmDll = Path.GetFullPath(Option(args, "--zpm") ?? Path.Combine("artifacts", "zpm", "zpm.dll"));
        if (!File.Exists(zpmDll))
        {
            Console.Error.WriteLine($"chaos: {zpmDll} not found; run `make build` first (or pass --zpm PATH)");
            return 2;
        }

        var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? AllScenarios;
        var unknown = only.Except(AllScenarios).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"chaos: unknown scenario(s) {string.Join(", ", unknown)}; known: {string.Join(", ", AllScenarios)}");
            return 2;
        }

        var runId = Guid.NewGuid().ToString("N")[..6];
        var root = Path.Combine(Path.GetTempPath(), "zpm-chaos-" + runId);
        Directory.CreateDirectory(root);
        using var signals = new StopSignals();
        using var docker = DockerClientFactory.Create();
        var run = new ChaosRun(zpmDll, root, runId, docker, signals.Token);
        var results = new List<ChaosResult>();
        var clock = Stopwatch.StartNew();
        Say($"chaos run {runId}: scenarios {string.Join(", ", only)}; logs and data under {root}");
        try
        {
            foreach (var scenario in only)
            {
                signals.Token.ThrowIfCancellationRequested();
                Say($"== {scenario}");
                var scenarioClock = Stopwatch.StartNew();
                ChaosResult result;
                try
                {
                    result = scenario switch
                    {
                        "operator-kill" => await run.OperatorKillAsync(),
                        "dockerd" => await run.DockerdRestartAsync(),
                        "store-kill" => await run.StoreKillAsync(),
                        "malformed" => await run.MalformedAsync(),
                        "flood" => await run.FloodAsync(),
                        _ => await run.PortConflictAsync(),
                    };
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    result = new ChaosResult(scenario, null, null, null, null, null, null, $"scenario failed: {exception.GetType().Name}: {exception.Message}");
                }
                finally
                {
                    await run.CleanUpAsync();
                }

                results.Add(result);
                Say($"   {scenario} ({scenarioClock.Elapsed.TotalSeconds:0} s): {result.Line()}");
                Say($"   {result.Notes}");
            }
        }
        catch (OperationCanceledException)
        {
            Say("stopped (Ctrl+C / SIGTERM); cleaning up");
        }
        finally
        {
            await run.CleanUpAsync();
        }

        Say($"== summary ({clock.Elapsed.TotalMinutes:0.0} min, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        foreach (var result in results)
        {
            Say($"{result.Scenario,-14} {result.Line()}");
        }

        return 0;
    }

    internal static void Say(string line) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    internal static BsonDocument Service(string tenant, string name, int replicas, BsonDocument? extraSpec = null)
    {
        var spec = new BsonDocument { ["image"] = Image, ["replicas"] = replicas, ["update"] = new BsonDocument { ["order"] = "start-first", ["parallelism"] = 1 } };
        if (extraSpec is not null)
        {
            spec.Merge(extraSpec, overwriteExistingElements: true);
        }

        return new BsonDocument
        {
            ["_id"] = $"{tenant}/{name}",
            ["apiVersion"] = "zpm/v1",
            ["kind"] = "ServiceSpec",
            ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = tenant },
            ["spec"] = spec,
        };
    }

    /// <summary>One chaos run: the processes, tenants and Docker client the scenarios share, and their clean-up.</summary>
    private sealed class ChaosRun(string zpmDll, string root, string runId, DockerClient docker, CancellationToken cancellation)
    {
        private readonly List<ChaosProcess> processes = [];
        private readonly List<string> tenants = [];

        public async Task CleanUpAsync()
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }

            processes.Clear();
            foreach (var tenant in tenants)
            {
                var (containers, networks) = await DockerCleanup.RemoveTenantAsync(docker, tenant);
                if (containers + networks > 0)
                {
                    Say($"   cleanup: removed {containers} containers and {networks} networks of tenant {tenant}");
                }
            }

            tenants.Clear();
        }

        private string Tenant(string scenario)
        {
            var tenant = $"chaos{runId}{scenario}";
            tenants.Add(tenant);
            return tenant;
        }

        /// <summary>`zpm run` on its own data directory (embedded store on a fresh port), ready once the store answers a ping.</summary>
        private async Task<Operator> StartOperatorAsync(string directory, string tenant)
        {
            var port = ChaosConnection.FreePort();
            var process = ChaosProcess.Start(zpmDll, Path.Combine(root, Path.GetFileName(directory) + "-operator.log"),
                "run", "--data-dir", directory, "--mongo-port", port.ToString(CultureInfo.InvariantCulture), "--log-format", "json", "-t", tenant, "--port-range", PortRangeArgument, "--http", "off");
            processes.Add(process);
            var started = new Operator(process, port, Path.Combine(directory, "mongo"));
            await WaitReadyAsync(started.Process, port, started.MongoDirectory);
            await WaitUntilAsync(() => Task.FromResult(process.Installed.IsCompleted || process.HasExited), ReadyTimeout, TimeSpan.FromMilliseconds(100));
            if (!process.Installed.IsCompleted)
            {
                throw new InvalidOperationException($"zpm run did not finish installing its schema; see {process.LogPath}");
            }

            return started;
        }

        private async Task<ChaosProcess> StartStoreAsync(string directory, int port)
        {
            var process = ChaosProcess.Start(zpmDll, Path.Combine(root, Path.GetFileName(directory) + "-store.log"),
                "mongo", "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--dbpath", directory);
            processes.Add(process);
            await WaitReadyAsync(process, port, directory);
            return process;
        }

        private async Task WaitReadyAsync(ChaosProcess process, int port, string mongoDirectory)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < ReadyTimeout)
            {
                cancellation.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"process exited before it answered; see {process.LogPath}");
                }

                try
                {
                    using var probe = ChaosConnection.Client(port, mongoDirectory, TimeSpan.FromSeconds(2));
                    await probe.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellation);
                    return;
                }
                catch (Exception exception) when (exception is MongoException or TimeoutException)
                {
                    await Task.Delay(250, cancellation);
                }
            }

            throw new TimeoutException($"no answer on port {port} within {ReadyTimeout.TotalSeconds} s; see {process.LogPath}");
        }

        private async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                try
                {
                    if (await condition())
                    {
                        return true;
                    }
                }
                catch (Exception exception) when (exception is MongoException or TimeoutException or DockerApiException or HttpRequestException)
                {
                    // A store or engine that is restarting: ask again.
                }

                if (clock.Elapsed > timeout)
                {
                    return false;
                }

                await Task.Delay(every ?? TimeSpan.FromMilliseconds(500), cancellation);
            }
        }

        private async Task<IList<ContainerListResponse>> ContainersAsync(string tenant) =>
            await docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true } },
            }, cancellation);

        private static string? Label(ContainerListResponse container, string key) =>
            container.Labels is not null && container.Labels.TryGetValue(key, out var value) ? value : null;

        private static IMongoCollection<BsonDocument> Services(MongoClient client) => client.GetDatabase(Database).GetCollection<BsonDocument>("services");

        /// <summary>Compares every ServiceSpec of the tenant with its containers: what the scenario's counts are made of.</summary>
        private async Task<Census> CensusAsync(MongoClient client, string tenant)
        {
            var services = await Services(client).Find(new BsonDocument("metadata.tenant", tenant)).ToListAsync(cancellation);
            var containers = await ContainersAsync(tenant);
            int lost = 0, duplicates = 0, orphans = 0, statusesMissing = 0, notRunning = 0;
            var known = new HashSet<string>(StringComparer.Ordinal);
            foreach (var service in services)
            {
                var name = service["metadata"]["name"].AsString;
                known.Add(name);
                var replicas = service["spec"].AsBsonDocument.GetValue("replicas", 1).ToInt32();
                var status = service.GetValue("status", BsonNull.Value) as BsonDocument;
                if (status is null || !status.Contains("phase"))
                {
                    statusesMissing++;
                }
                else if (status["phase"] != "Running")
                {
                    notRunning++;
                }

                // zpm.replica is a slot, not an index below replicas: a start-first roll creates the new replica in a free
                // slot. So: containers of the spec the status reports, at most one per slot and `replicas` of them running.
                var hash = status?.GetValue("observedSpecHash", BsonNull.Value) is BsonString observed ? observed.Value : null;
                var mine = containers.Where(c => Label(c, ZpmLabels.Name) == name).ToList();
                var current = mine.Where(c => hash is null || Label(c, ZpmLabels.SpecHash) == hash).ToList();
                orphans += mine.Count - current.Count;
                var slotClashes = current.GroupBy(c => Label(c, ZpmLabels.Replica)).Sum(g => g.Count() - 1);
                duplicates += slotClashes + Math.Max(0, current.Count - slotClashes - replicas);
                lost += Math.Max(0, replicas - current.Count(c => c.State == "running"));
            }

            orphans += containers.Count(c => !known.Contains(Label(c, ZpmLabels.Name) ?? ""));
            return new Census(services.Count, containers.Count, lost, duplicates, orphans, statusesMissing, notRunning);
        }

        private sealed record Census(int Services, int Containers, int Lost, int Duplicates, int Orphans, int StatusesMissing, int NotRunning)
        {
            public bool Converged => Lost == 0 && Duplicates == 0 && Orphans == 0 && StatusesMissing == 0 && NotRunning == 0;

            public override string ToString() =>
                $"{Services} services, {Containers} containers: lost {Lost}, duplicates {Duplicates}, orphans {Orphans}, statuses missing {StatusesMissing}, not Running {NotRunning}";
        }

        private async Task<(bool Converged, TimeSpan Took, Census Census)> ConvergeAsync(Func<MongoClient> client, string tenant, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            Census? last = null;
            var converged = await WaitUntilAsync(async () =>
            {
                using var c = client();
                last = await CensusAsync(c, tenant);
                return last.Converged;
            }, timeout, TimeSpan.FromSeconds(1));
            using var final = client();
            return (converged, clock.Elapsed, last is { Converged: true } ? last : await CensusAsync(final, tenant));
        }

        private sealed record Operator(ChaosProcess Process, int Port, string MongoDirectory)
        {
            public MongoClient Client() => ChaosConnection.Client(Port, MongoDirectory);
        }

        private async Task<bool> AliveAsync(Operator op)
        {
            if (op.Process.HasExited)
            {
                return false;
            }

            try
            {
                using var client = op.Client();
                await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellation);
                return true;
            }
            catch (Exception exception) when (exception is MongoException or TimeoutException)
            {
                return false;
            }
        }

        // ---- kill -9 of the operator during a rollout -------------------------------------------------------------

        public async Task<ChaosResult> OperatorKillAsync()
        {
            const int ServiceCount = 6;
            const int Replicas = 3;
            const int Kills = 3;
            var tenant = Tenant("op");
            var directory = Path.Combine(root, "operator-kill");
            var op = await StartOperatorAsync(directory, tenant);
            using (var client = op.Client())
            {
                await Services(client).InsertManyAsync(Enumerable.Range(0, ServiceCount).Select(i => Service(tenant, $"web{i}", Replicas)), cancellationToken: cancellation);
            }

            var initial = await ConvergeAsync(op.Client, tenant, TimeSpan.FromMinutes(4));
            Say($"   {ServiceCount} services x {Replicas} replicas: {(initial.Converged ? "Running" : "NOT converged")} after {initial.Took.TotalSeconds:0.0} s ({initial.Census})");

            await using var creates = new CreateEventCounter(docker, tenant);
            using (var client = op.Client())
            {
                await Services(client).UpdateManyAsync(new BsonDocument("metadata.tenant", tenant),
                    new BsonDocument("$set", new BsonDocument("spec.env.ROLLOUT", runId)), cancellationToken: cancellation);
            }

            for (var kill = 1; kill <= Kills; kill++)
            {
                // Killed once the rollout has made progress since the last start: at least one more container created.
                var before = creates.Total;
                await WaitUntilAsync(() => Task.FromResult(creates.Total > before), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
                await op.Process.KillAsync();
                Say($"   kill -9 #{kill} of zpm run (pid {op.Process.Id}) after {creates.Total} creates in the rollout");
                op = await StartOperatorAsync(directory, tenant);
            }

            var final = await ConvergeAsync(op.Client, tenant, TimeSpan.FromMinutes(5));
            var alive = await AliveAsync(op);
            var census = final.Census;
            return new ChaosResult("operator-kill", census.Lost, census.Duplicates, census.Orphans, census.StatusesMissing, creates.PerMinute, alive,
                $"{Kills} kills during the rollout of {ServiceCount * Replicas} replicas; {(final.Converged ? "converged" : "NOT converged")} {final.Took.TotalSeconds:0.0} s after the last restart; " +
                $"{creates.Total} container creates in {creates.Elapsed.TotalSeconds:0} s (a clean rollout needs {ServiceCount * Replicas}); {census}");
        }

        // ---- dockerd restart (opt-in) -----------------------------------------------------------------------------

        public async Task<ChaosResult> DockerdRestartAsync()
        {
            if (Environment.GetEnvironmentVariable("CHAOS_DOCKERD") != "1")
            {
                return new ChaosResult("dockerd", null, null, null, null, null, null,
                    "not run: it restarts the host's Docker engine, which disturbs everything else on the host; set CHAOS_DOCKERD=1 on a dedicated machine");
            }

            const int ServiceCount = 3;
            const int Replicas = 2;
            var tenant = Tenant("dockerd");
            var op = await StartOperatorAsync(Path.Combine(root, "dockerd"), tenant);
            using (var client = op.Client())
            {
                await Services(client).InsertManyAsync(Enumerable.Range(0, ServiceCount).Select(i => Service(tenant, $"web{i}", Replicas)), cancellationToken: cancellation);
            }

            var initial = await ConvergeAsync(op.Client, tenant, TimeSpan.FromMinutes(3));
            Say($"   before: {(initial.Converged ? "converged" : "NOT converged")} ({initial.Census})");
            var restart = Stopwatch.StartNew();
            await RestartDockerdAsync();
            var answered = await WaitUntilAsync(async () => { await docker.System.PingAsync(cancellation); return true; }, TimeSpan.FromMinutes(2));
            Say($"   dockerd restarted; {(answered ? "answering" : "NOT answering")} after {restart.Elapsed.TotalSeconds:0.0} s");
            await using var creates = new CreateEventCounter(docker, tenant);
            var final = await ConvergeAsync(op.Client, tenant, TimeSpan.FromMinutes(3));
            var alive = await AliveAsync(op);
            var census = final.Census;
            return new ChaosResult("dockerd", census.Lost, census.Duplicates, census.Orphans, census.StatusesMissing, creates.PerMinute, alive,
                $"{(final.Converged ? "converged" : "NOT converged")} {final.Took.TotalSeconds:0.0} s after the engine answered again; {census}");
        }

        private async Task RestartDockerdAsync()
        {
            if (await ShellAsync("systemctl", "is-active", "--quiet", "docker") == 0)
            {
                await ShellAsync("systemctl", "restart", "docker");
                return;
            }

            // A dockerd started by scripts/ensure-docker.sh: stop it by its pid file, then let the script start it again.
            var pid = int.Parse(File.ReadAllText("/var/run/docker.pid").Trim(), CultureInfo.InvariantCulture);
            using (var dockerd = Process.GetProcessById(pid))
            {
                await ShellAsync("kill", "-TERM", pid.ToString(CultureInfo.InvariantCulture));
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await dockerd.WaitForExitAsync(timeout.Token);
            }

            await ShellAsync("bash", "scripts/ensure-docker.sh");
        }

        private static async Task<int> ShellAsync(string file, params string[] arguments)
        {
            var startInfo = new ProcessStartInfo(file) { UseShellExecute = false };
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }

            try
            {
                using var process = Process.Start(startInfo)!;
                await process.WaitForExitAsync();
                return process.ExitCode;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return 127;
            }
        }

        // ---- kill -9 of the store during acknowledged writes ------------------------------------------------------

        public async Task<ChaosResult> StoreKillAsync()
        {
            const int Kills = 3;
            const int Writers = 4;
            const int WritesBetweenKills = 300;
            var directory = Path.Combine(root, "store-kill");
            var port = ChaosConnection.FreePort();
            var store = await StartStoreAsync(directory, port);
            // The driver's own retry (retryWrites, on by default) waits for a server for up to the selection timeout, longer than a restart takes.
            using var client = ChaosConnection.Client(port, directory, TimeSpan.FromSeconds(60));
            var db = client.GetDatabase("chaos");
            var events = db.GetCollection<BsonDocument>("events");
            var counters = db.GetCollection<BsonDocument>("counters");
            await counters.InsertOneAsync(new BsonDocument { ["_id"] = "c", ["n"] = 0 }, cancellationToken: cancellation);

            var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
            var failed = new System.Collections.Concurrent.ConcurrentBag<string>();
            long incrementsAcknowledged = 0;
            long incrementsFailed = 0;
            using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stopWriting.IsCancellationRequested; i++)
                {
                    var id = $"w{w}-{i}";
                    try
                    {
                        await events.InsertOneAsync(new BsonDocument { ["_id"] = id, ["payload"] = new string('x', 200) }, cancellationToken: CancellationToken.None);
                        acknowledged.Add(id);
                    }
                    catch (Exception exception) when (exception is MongoException or TimeoutException)
                    {
                        failed.Add(id);
                    }
                }
            })).Append(Task.Run(async () =>
            {
                while (!stopWriting.IsCancellationRequested)
                {
                    try
                    {
                        await counters.UpdateOneAsync(new BsonDocument("_id", "c"), new BsonDocument("$inc", new BsonDocument("n", 1)), cancellationToken: CancellationToken.None);
                        Interlocked.Increment(ref incrementsAcknowledged);
                    }
                    catch (Exception exception) when (exception is MongoException or TimeoutException)
                    {
                        Interlocked.Increment(ref incrementsFailed);
                    }
                }
            })).ToList();

            for (var kill = 1; kill <= Kills + 1; kill++)
            {
                var target = acknowledged.Count + WritesBetweenKills;
                await WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= target), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));
                if (kill > Kills)
                {
                    break;
                }

                await store.KillAsync();
                Say($"   kill -9 #{kill} of zpm mongo serve after {acknowledged.Count} acknowledged inserts and {Interlocked.Read(ref incrementsAcknowledged)} increments");
                store = await StartStoreAsync(directory, port);
            }

            await stopWriting.CancelAsync();
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(2), cancellation);

            var stored = (await events.Find(FilterDefinition<BsonDocument>.Empty).Project(new BsonDocument("_id", 1)).ToListAsync(cancellation))
                .Select(d => d["_id"].AsString).ToHashSet(StringComparer.Ordinal);
            var lostInserts = acknowledged.Count(id => !stored.Contains(id));
            var failedButStored = failed.Count(stored.Contains);
            var n = (await counters.Find(new BsonDocument("_id", "c")).SingleAsync(cancellation))["n"].ToInt64();
            var acked = Interlocked.Read(ref incrementsAcknowledged);
            var failedIncrements = Interlocked.Read(ref incrementsFailed);
            // An increment that failed with an error may or may not have been applied; only more than that is a duplicate.
            var duplicates = (int)Math.Max(0, n - acked - failedIncrements);
            var lostIncrements = (int)Math.Max(0, acked - n);
            return new ChaosResult("store-kill", lostInserts + lostIncrements, duplicates, null, null, null, null,
                $"{Kills} kills; inserts: {acknowledged.Count} acknowledged, {lostInserts} of them lost, {failed.Count} failed with an error ({failedButStored} of those stored); " +
                $"$inc: {acked} acknowledged, {failedIncrements} failed, counter {n} (lost {lostIncrements}, duplicates {duplicates})");
        }

        // ---- 1000 malformed documents ----------------------------------------------------------------------------

        public async Task<ChaosResult> MalformedAsync()
        {
            const int Count = 1000;
            var tenant = Tenant("bad");
            var op = await StartOperatorAsync(Path.Combine(root, "malformed"), tenant);
            await using var creates = new CreateEventCounter(docker, tenant);
            var errorsBefore = op.Process.ErrorLines;
            var warningsBefore = op.Process.WarningLines;
            using (var client = op.Client())
            {
                await Services(client).InsertManyAsync(Enumerable.Range(0, Count).Select(i => Malformed(tenant, i)),
                    new InsertManyOptions { IsOrdered = false, BypassDocumentValidation = true }, cancellation);
            }

            var clock = Stopwatch.StartNew();
            long withoutStatus = Count;
            await WaitUntilAsync(async () =>
            {
                using var client = op.Client();
                withoutStatus = await Services(client).CountDocumentsAsync(new BsonDocument { ["metadata.tenant"] = tenant, ["status.phase"] = new BsonDocument("$exists", false) }, cancellationToken: cancellation);
                return withoutStatus == 0;
            }, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(2));
            var settled = clock.Elapsed;

            Dictionary<string, int> phases;
            using (var client = op.Client())
            {
                phases = (await Services(client).Find(new BsonDocument("metadata.tenant", tenant)).Project(new BsonDocument("status.phase", 1)).ToListAsync(cancellation))
                    .GroupBy(d => d.GetValue("status", new BsonDocument()).AsBsonDocument.GetValue("phase", "(none)").ToString()!)
                    .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
                await Services(client).InsertOneAsync(Service(tenant, "valid-after", 1), cancellationToken: cancellation);
            }

            var validClock = Stopwatch.StartNew();
            var validRunning = await WaitUntilAsync(async () =>
            {
                using var client = op.Client();
                return await Services(client).CountDocumentsAsync(new BsonDocument { ["_id"] = $"{tenant}/valid-after", ["status.phase"] = "Running" }, cancellationToken: cancellation) == 1;
            }, TimeSpan.FromSeconds(90));
            var containers = (await ContainersAsync(tenant)).Count(c => Label(c, ZpmLabels.Name) != "valid-after");
            var alive = await AliveAsync(op);
            return new ChaosResult("malformed", null, null, containers, (int)withoutStatus, creates.PerMinute, alive,
                $"{Count} malformed ServiceSpecs (10 kinds) inserted with bypassDocumentValidation; phases after {settled.TotalSeconds:0} s: {string.Join(", ", phases.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))}; " +
                $"operator log: {op.Process.ErrorLines - errorsBefore} error and {op.Process.WarningLines - warningsBefore} warning lines; containers for malformed specs {containers}; " +
                $"a valid spec inserted afterwards {(validRunning ? $"Running after {validClock.Elapsed.TotalSeconds:0.0} s" : "NOT Running after 90 s")}");
        }

        private static BsonDocument Malformed(string tenant, int index)
        {
            var name = $"bad{index:D4}";
            var document = Service(tenant, name, 1);
            var spec = document["spec"].AsBsonDocument;
            switch (index % 10)
            {
                case 0: document.Remove("spec"); break;
                case 1: spec.Remove("image"); break;
                case 2: spec["replicas"] = "three"; break;
                case 3: spec["replicas"] = -5; break;
                case 4: document["metadata"]["name"] = $"Bad_Name!{index}"; break;
                case 5: document["spec"] = "not an object"; break;
                case 6: spec["ports"] = new BsonArray { new BsonDocument("container", "eighty") }; break;
                case 7: spec["command"] = 42; break;
                case 8: spec["env"] = new BsonArray { 1, 2 }; break;
                default: spec["healthCheck"] = new BsonDocument("http", new BsonDocument("port", "eighty")); break;
            }

            return document;
        }

        // ---- connection flood ------------------------------------------------------------------------------------

        public async Task<ChaosResult> FloodAsync()
        {
            const int Sockets = 1000;
            var tenant = Tenant("flood");
            var op = await StartOperatorAsync(Path.Combine(root, "flood"), tenant);
            using (var client = op.Client())
            {
                await Services(client).InsertOneAsync(Service(tenant, "before-flood", 1), cancellationToken: cancellation);
            }

            var before = await ConvergeAsync(op.Client, tenant, TimeSpan.FromSeconds(90));
            // A client whose connection exists before the flood, like the operator's own: does the store still serve it?
            using var early = op.Client();
            await early.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellation);
            Say($"   before the flood: {(before.Converged ? "converged" : "NOT converged")} ({before.Census})");
            var sockets = new List<Socket>();
            try
            {
                var connectFailures = 0;
                foreach (var batch in Enumerable.Range(0, Sockets).Chunk(50))
                {
                    var attempts = batch.Select(async _ =>
                    {
                        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        try
                        {
                            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, op.Port), timeout.Token);
                            return socket;
                        }
                        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
                        {
                            socket.Dispose();
                            return null;
                        }
                    });
                    foreach (var socket in await Task.WhenAll(attempts))
                    {
                        if (socket is null)
                        {
                            connectFailures++;
                        }
                        else
                        {
                            sockets.Add(socket);
                        }
                    }
                }

                // A socket the server closed reads as readable with nothing to read.
                await Task.Delay(TimeSpan.FromSeconds(3), cancellation);
                var closedByServer = sockets.Count(s => s.Poll(0, SelectMode.SelectRead) && s.Available == 0);
                var heldOpen = sockets.Count - closedByServer;
                Say($"   {Sockets} idle sockets: {sockets.Count} connected ({connectFailures} refused or timed out), {closedByServer} closed by the server, {heldOpen} held open");

                var clientClock = Stopwatch.StartNew();
                string newClient;
                try
                {
                    using var client = ChaosConnection.Client(op.Port, op.MongoDirectory, TimeSpan.FromSeconds(15));
                    await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellation);
                    newClient = $"yes, in {clientClock.Elapsed.TotalMilliseconds:0} ms";
                }
                catch (Exception exception) when (exception is MongoException or TimeoutException)
                {
                    newClient = $"NO, gave up after {clientClock.Elapsed.TotalSeconds:0.0} s ({exception.GetType().Name})";
                }

                string earlyWrite;
                var running = false;
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                    timeout.CancelAfter(TimeSpan.FromSeconds(15));
                    await Services(early).InsertOneAsync(Service(tenant, "during-flood", 1), cancellationToken: timeout.Token);
                    earlyWrite = "yes";
                    running = await WaitUntilAsync(async () =>
                        await Services(early).CountDocumentsAsync(new BsonDocument { ["_id"] = $"{tenant}/during-flood", ["status.phase"] = "Running" }, cancellationToken: cancellation) == 1,
                        TimeSpan.FromSeconds(60));
                }
                catch (Exception exception) when (exception is MongoException or TimeoutException or OperationCanceledException && !cancellation.IsCancellationRequested)
                {
                    earlyWrite = $"NO ({exception.GetType().Name})";
                }

                var alive = !op.Process.HasExited;
                foreach (var socket in sockets)
                {
                    socket.Dispose();
                }

                sockets.Clear();
                var answersAfter = await AliveAsync(op);
                var census = (await ContainersAsync(tenant)).Count;
                return new ChaosResult("flood", null, null, null, null, null, alive && answersAfter,
                    $"{heldOpen} of {Sockets} idle sockets held open by the server; a new client can connect during the flood: {newClient}; " +
                    $"a client connected before it can insert a ServiceSpec: {earlyWrite}, which the operator got {(running ? "Running" : "NOT Running within 60 s")} ({census} containers); " +
                    $"store answers after the flood: {(answersAfter ? "yes" : "NO")}");
            }
            finally
            {
                foreach (var socket in sockets)
                {
                    socket.Dispose();
                }
            }
        }

        // ---- port-conflict crash loop ----------------------------------------------------------------------------

        public async Task<ChaosResult> PortConflictAsync()
        {
            var window = TimeSpan.FromSeconds(60);
            var tenant = Tenant("port");
            var op = await StartOperatorAsync(Path.Combine(root, "port-conflict"), tenant);
            using var holder = new TcpListener(IPAddress.Loopback, 0);
            holder.Start();
            var port = ((IPEndPoint)holder.LocalEndpoint).Port;
            var containerName = $"zpm-{tenant}-clash-0";
            await using var creates = new CreateEventCounter(docker, tenant);
            using (var client = op.Client())
            {
                await Services(client).InsertOneAsync(Service(tenant, "clash", 1,
                    new BsonDocument("ports", new BsonArray { new BsonDocument { ["container"] = 8080, ["host"] = port, ["hostIp"] = "127.0.0.1" } })), cancellationToken: cancellation);
            }

            Say($"   ServiceSpec clash publishes 127.0.0.1:{port}, which this process holds; counting Docker create events for {containerName} for {window.TotalSeconds:0} s");
            await Task.Delay(window, cancellation);
            var count = creates.For(containerName);
            var perMinute = count / creates.Elapsed.TotalMinutes;
            string status;
            using (var client = op.Client())
            {
                var document = await Services(client).Find(new BsonDocument("_id", $"{tenant}/clash")).SingleAsync(cancellation);
                var s = document.GetValue("status", new BsonDocument()).AsBsonDocument;
                var lastError = s.GetValue("lastError", BsonNull.Value).ToString() ?? "";
                status = $"phase {s.GetValue("phase", "(none)")}, lastError \"{(lastError.Length > 120 ? lastError[..120] + "…" : lastError)}\"";
            }

            var alive = await AliveAsync(op);
            return new ChaosResult("port-conflict", null, null, null, null, perMinute, alive,
                $"{count} creates of {containerName} in {creates.Elapsed.TotalSeconds:0} s; {status}");
        }
    }
}
