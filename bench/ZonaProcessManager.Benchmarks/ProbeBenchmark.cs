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
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.EmbeddedMongo;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Settings;
using ServiceSpec = ZonaProcessManager.Domain.Model.ServiceSpec;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// What health checks cost, the operator's probes from the host against Docker's health checks (a process started in
/// the container per probe), measured in one run on the same number of busybox httpd services with the same HTTP check:
/// (1) N services converged with operator probes, CPU over the window; (2) the operator stopped, the same containers
///     unprobed: the idle baseline; (3) one replica made to fail (its checked file removed): seconds until its
///     service's status is Degraded; then the services are deleted;
/// (4) N services converged with Docker's health checks (--probe-mode docker), CPU over the window, and (5) the same
///     failure. CPU is whole-machine busy time (/proc/stat) and the engine's and operator's own (<see cref="MachineCpu"/>),
///     each above the idle baseline, in % of one core.
/// Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- probes [--services N] [--interval S] [--seconds S] [--operator-only]
/// (--operator-only skips Docker's arm, which at 1000 services on two cores never converges and holds the machine for long)
/// </summary>
public static class ProbeBenchmark
{
    private const int Retries = 3;
    private const int TimeoutSeconds = 2;
    private const string CheckedFile = "healthz";

    public static async Task<int> RunAsync(string[] args)
    {
        var services = OperatorBenchmark.IntOption(args, "--services", 1000);
        var interval = OperatorBenchmark.IntOption(args, "--interval", 5);
        var seconds = OperatorBenchmark.IntOption(args, "--seconds", 60);
        var operatorOnly = args.Contains("--operator-only");
        var runId = Guid.NewGuid().ToString("N")[..8];
        var tenantCount = (services + OperatorBenchmark.ServicesPerTenant - 1) / OperatorBenchmark.ServicesPerTenant;
        var operatorTenants = Enumerable.Range(0, tenantCount).Select(k => $"prb{runId}-o{k}").ToList();
        var dockerTenants = Enumerable.Range(0, tenantCount).Select(k => $"prb{runId}-d{k}").ToList();

        using var cancellation = new StopSignals();
        var root = Path.Combine(Path.GetTempPath(), "zpm-bench-probes-" + runId);
        Directory.CreateDirectory(root);
        using var docker = DockerClientFactory.Create();
        EmbeddedMongoServer? server = null;
        try
        {
            OperatorBenchmark.Progress($"run {runId}: {services} services, HTTP check every {interval} s (timeout {TimeoutSeconds} s, retries {Retries}), windows of {seconds} s; load {LoadAverage()}");
            server = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions { Port = 0, DataDirectory = Path.Combine(root, "mongo") }, cancellation.Token);
            var connection = server.AdminConnectionString();
            var arm = new Arm(connection, services, interval, seconds, docker, cancellation.Token);

            var operatorArm = await arm.MeasureAsync(ProbeMode.Operator, operatorTenants, measureIdleAfter: true);
            var dockerArm = operatorOnly ? null : await arm.MeasureAsync(ProbeMode.Docker, dockerTenants, measureIdleAfter: false);
            Print(services, interval, seconds, operatorArm, dockerArm);
            return 0;
        }
        catch (OperationCanceledException) when (cancellation.IsStopRequested)
        {
            Console.Error.WriteLine("Cancelled; removing this run's containers.");
            return 130;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            foreach (var tenant in operatorTenants.Concat(dockerTenants))
            {
                await RemoveTenantAsync(docker, tenant);
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

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0..3] is var parts ? string.Join(' ', parts) : "?";

    private static void Print(int services, int interval, int seconds, ArmResult operatorArm, ArmResult? dockerArm)
    {
        var idle = operatorArm.Idle!.Value;
        double Percent(double cpuSeconds) => cpuSeconds / seconds * 100;
        string Row3(MachineCpu cpu) =>
            string.Create(CultureInfo.InvariantCulture, $"{Percent(cpu.MachineBusy - idle.MachineBusy),7:0.0} | {Percent(cpu.Attributed - idle.Attributed),7:0.0} | {Percent(cpu.Engine - idle.Engine),7:0.0} | {Percent(cpu.Operator - idle.Operator),7:0.0}");
        Console.WriteLine($"Probe benchmark ({services} services, HTTP check every {interval} s, {seconds} s windows, {Environment.ProcessorCount} cores, {DateTime.UtcNow:u})");
        Console.WriteLine();
        Console.WriteLine("| % of one core above idle           | machine | engine+operator | engine | operator |");
        Console.WriteLine("|------------------------------------|--------:|--------:|-------:|---------:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| idle: same containers, nothing probes (absolute) | {Percent(idle.MachineBusy):0.0} | {Percent(idle.Attributed):0.0} | {Percent(idle.Engine):0.0} | {Percent(idle.Operator):0.0} |"));
        Console.WriteLine(dockerArm is null ? "| Docker health checks (baseline)    | not run (--operator-only) |" : $"| Docker health checks (baseline)    | {Row3(dockerArm.Window)} |");
        Console.WriteLine($"| operator probes                    | {Row3(operatorArm.Window)} |");
        Console.WriteLine();
        if (dockerArm is not null)
        {
            var machineRatio = (operatorArm.Window.MachineBusy - idle.MachineBusy) / (dockerArm.Window.MachineBusy - idle.MachineBusy);
            var attributedRatio = (operatorArm.Window.Attributed - idle.Attributed) / (dockerArm.Window.Attributed - idle.Attributed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio operator / Docker above idle (goal <= 0.10): machine {machineRatio:0.000}, engine+operator {attributedRatio:0.000}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replica starts failing -> service Degraded (goal <= {interval * Retries + 1} s): operator probes {Seconds(operatorArm.UntilDegraded)}, Docker health checks {Seconds(dockerArm?.UntilDegraded)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"converge (insert at once -> Running): operator probes {operatorArm.Running} of {services} in {operatorArm.Converge.TotalSeconds:0.0} s, Docker health checks {(dockerArm is null ? "not run" : $"{dockerArm.Running} of {services} in {dockerArm.Converge.TotalSeconds:0.0} s")}"));
        Console.WriteLine($"load average: operator window {operatorArm.Load}, idle window {operatorArm.IdleLoad}, Docker window {dockerArm?.Load ?? "not run"}");
    }

    private static async Task RemoveTenantAsync(DockerClient docker, string tenant)
    {
        var filter = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true } };
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filter });
        await Parallel.ForEachAsync(containers, new ParallelOptions { MaxDegreeOfParallelism = OperatorBenchmark.Parallelism }, async (container, _) =>
            await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None));
        foreach (var network in await docker.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filter }))
        {
            await docker.Networks.DeleteNetworkAsync(network.ID);
        }

        if (containers.Count > 0)
        {
            OperatorBenchmark.Progress($"removed {containers.Count} containers of tenant {tenant}");
        }
    }

    private static string Seconds(TimeSpan? elapsed) =>
        elapsed is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.00} s") : "not measured";

    private sealed record ArmResult(MachineCpu Window, MachineCpu? Idle, TimeSpan? UntilDegraded, TimeSpan Converge, string Load, string? IdleLoad, long Running);

    private sealed class Arm(string connection, int services, int interval, int seconds, DockerClient docker, CancellationToken cancellation)
    {
        // Converging is bound by creating the containers at parallelism 4 (about 0.5 s each here) before any of them
        // turns Running, so the wait grows with the count; an arm whose Running count stops growing once every
        // container runs (Docker's checks timing out on a saturated machine) is measured after StallLimit.
        private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(90);

        private TimeSpan ConvergeDeadline => TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(0.6 * Math.Max(0, services - 100));

        public async Task<ArmResult> MeasureAsync(ProbeMode mode, IReadOnlyList<string> tenants, bool measureIdleAfter)
        {
            var database = "zpm" + mode.ToString().ToLowerInvariant();
            var settings = new OperatorSettings
            {
                MongoConnectionString = connection,
                Database = database,
                Tenants = tenants.ToHashSet(),
                MaxParallelReconciles = OperatorBenchmark.Parallelism,
                DockerStopGrace = TimeSpan.FromSeconds(1),
                Probes = ProbeSettings.Default with { Mode = mode },
            };
            using var client = new MongoClient(connection);
            // What `zpm run` installs before its operator starts; without the indexes every keyed read scans the collection.
            await new SchemaInstaller(client.GetDatabase(database)).InstallAsync(cancellation);
            var collection = client.GetDatabase(database).GetCollection<BsonDocument>(ZpmCollections.Services);
            var host = ZpmOperatorHost.CreateBuilder(settings, s => s.AddSerilog(
                new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger(), dispose: true)).Build();
            await host.StartAsync(cancellation);
            var stopped = false;
            try
            {
                var documents = Enumerable.Range(0, services).Select(i => Document(tenants[i / OperatorBenchmark.ServicesPerTenant], $"svc-{i:D4}")).ToList();
                var converge = Stopwatch.StartNew();
                await collection.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = false }, cancellation);
                // On an overloaded machine Docker's checks (a process per probe) time out and restart replicas, so that
                // arm may never be all Running: the window is then measured once every container runs, with the count said.
                var running = await ConvergeAsync(collection, tenants, mode);

                converge.Stop();
                OperatorBenchmark.Progress($"{mode}: {running} of {services} Running after {converge.Elapsed.TotalSeconds:0.0} s; settling one interval, then a {seconds} s window");
                await Task.Delay(TimeSpan.FromSeconds(interval), cancellation);

                var window = await WindowAsync();
                var load = LoadAverage();
                OperatorBenchmark.Progress(string.Create(CultureInfo.InvariantCulture,
                    $"{mode}: window done, load {load}; % of one core (absolute): machine {window.MachineBusy / seconds * 100:0.0}, engine {window.Engine / seconds * 100:0.0}, operator {window.Operator / seconds * 100:0.0}"));

                var untilDegraded = await FailOneAsync(collection, tenants[0]);
                OperatorBenchmark.Progress($"{mode}: replica failing -> Degraded after {Seconds(untilDegraded)}");

                MachineCpu? idle = null;
                string? idleLoad = null;
                if (measureIdleAfter)
                {
                    // The same containers with nothing probing them: the operator (and with it its probes) stopped.
                    await host.StopAsync(CancellationToken.None);
                    stopped = true;
                    idle = await WindowAsync();
                    idleLoad = LoadAverage();
                    OperatorBenchmark.Progress(string.Create(CultureInfo.InvariantCulture,
                        $"idle window done, load {idleLoad}; % of one core: machine {idle.Value.MachineBusy / seconds * 100:0.0}, engine {idle.Value.Engine / seconds * 100:0.0}, operator {idle.Value.Operator / seconds * 100:0.0}"));
                }

                return new ArmResult(window, idle, untilDegraded, converge.Elapsed, load, idleLoad, running);
            }
            finally
            {
                if (!stopped)
                {
                    await host.StopAsync(CancellationToken.None);
                }

                host.Dispose();
                foreach (var tenant in tenants)
                {
                    await RemoveTenantAsync(docker, tenant);
                }
            }
        }

        private async Task<MachineCpu> WindowAsync()
        {
            var before = MachineCpu.Read();
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation);
            return MachineCpu.Read() - before;
        }

        /// <summary>Removes the checked file from one replica (it then answers 404) and times until its service is Degraded.</summary>
        /// <summary>
        /// Time from svc-0000's checked file going to its service Degraded; null when svc-0000 never got Running (an arm
        /// that never converged), so the arm's CPU figures are still reported.
        /// </summary>
        private async Task<TimeSpan?> FailOneAsync(IMongoCollection<BsonDocument> collection, string tenant)
        {
            var filter = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true, [$"{ZpmLabels.Name}=svc-0000"] = true },
            };
            // Measured from a Running service only: a replica already failing for other reasons would time nothing.
            var running = Builders<BsonDocument>.Filter.Eq("_id", $"{tenant}/svc-0000") & Builders<BsonDocument>.Filter.Eq("status.phase", "Running");
            try
            {
                await UntilAsync(async () => await collection.CountDocumentsAsync(running, cancellationToken: cancellation) == 1, TimeSpan.FromMinutes(3), "svc-0000 Running before it is made to fail", TimeSpan.FromMilliseconds(100));
            }
            catch (TimeoutException)
            {
                return null;
            }

            var container = (await docker.Containers.ListContainersAsync(new ContainersListParameters { Filters = filter }, cancellation)).Single();
            var exec = await docker.Exec.CreateContainerExecAsync(container.ID, new ContainerExecCreateParameters { Cmd = ["rm", "/www/" + CheckedFile] }, cancellation);
            using (var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellation))
            {
                await stream.ReadOutputToEndAsync(cancellation);
            }

            var failing = Stopwatch.StartNew();
            var degraded = Builders<BsonDocument>.Filter.Eq("_id", $"{tenant}/svc-0000") & Builders<BsonDocument>.Filter.Eq("status.phase", "Degraded");
            await UntilAsync(async () => await collection.CountDocumentsAsync(degraded, cancellationToken: cancellation) == 1, TimeSpan.FromMinutes(5), "the failing service Degraded", TimeSpan.FromMilliseconds(100));
            return failing.Elapsed;
        }

        /// <summary>Waits until every service is Running, or the Running count has stalled with every container up, or the deadline; returns the count.</summary>
        private async Task<long> ConvergeAsync(IMongoCollection<BsonDocument> collection, IReadOnlyList<string> tenants, ProbeMode mode)
        {
            var clock = Stopwatch.StartNew();
            long running = 0;
            long most = -1;
            var grewAt = TimeSpan.Zero;
            while (true)
            {
                running = await collection.CountDocumentsAsync(Phase("Running"), cancellationToken: cancellation);
                if (running == services)
                {
                    return running;
                }

                if (running > most)
                {
                    (most, grewAt) = (running, clock.Elapsed);
                }
                else if (clock.Elapsed - grewAt > StallLimit && await RunningContainersAsync(tenants) >= services)
                {
                    OperatorBenchmark.Progress($"{mode}: {running} of {services} Running, no more for {StallLimit.TotalSeconds:0} s with every container up; measuring anyway");
                    return running;
                }

                if (clock.Elapsed > ConvergeDeadline)
                {
                    OperatorBenchmark.Progress($"{mode}: only {running} of {services} Running after {ConvergeDeadline.TotalMinutes:0} min; measuring anyway");
                    return running;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
            }
        }

        private async Task<int> RunningContainersAsync(IReadOnlyList<string> tenants)
        {
            var count = 0;
            foreach (var tenant in tenants.Distinct())
            {
                var filter = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true } };
                count += (await docker.Containers.ListContainersAsync(new ContainersListParameters { Filters = filter }, cancellation)).Count;
            }

            return count;
        }

        private Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? every = null) =>
            OperatorBenchmark.UntilAsync(condition, timeout, what, every ?? OperatorBenchmark.StorePollInterval, cancellation);

        private static FilterDefinition<BsonDocument> Phase(string phase) => Builders<BsonDocument>.Filter.Eq("status.phase", phase);

        private BsonDocument Document(string tenant, string name) => new()
        {
            ["_id"] = $"{tenant}/{name}",
            ["apiVersion"] = ServiceSpec.ApiVersion,
            ["kind"] = ServiceSpec.KindName,
            ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = tenant },
            ["spec"] = new BsonDocument
            {
                ["image"] = OperatorBenchmark.Image,
                ["replicas"] = 1,
                ["healthCheck"] = new BsonDocument
                {
                    ["http"] = new BsonDocument { ["port"] = OperatorBenchmark.HttpPort, ["path"] = "/" + CheckedFile },
                    ["intervalSeconds"] = interval,
                    ["timeoutSeconds"] = TimeoutSeconds,
                    ["retries"] = Retries,
                },
            },
        };
    }
}
