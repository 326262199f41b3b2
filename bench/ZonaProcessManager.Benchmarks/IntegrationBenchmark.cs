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
using Serilog.Filters;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Integrations;
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
/// The onboarding figure: T tenants × I integrations written at once (tenants, then IntegrationSpecs, each in one
/// insertMany) until every IntegrationSpec reports Running, against the same containers — each on its tenant's network
/// with its host port published on 127.0.0.1 and the same health check — created directly through the Docker API with
/// the same parallelism, networks included. Both arms run in this process one after the other; everything either creates
/// is removed at the end, also on failure, Ctrl+C or SIGTERM.
/// Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- integrations [--tenants 100] [--integrations 5]
/// </summary>
public static class IntegrationBenchmark
{
    private const string Image = OperatorBenchmark.Image;
    private const int HttpPort = OperatorBenchmark.HttpPort;
    private const int Parallelism = OperatorBenchmark.Parallelism;

    // See OperatorBenchmark: every probe is a docker exec, and hundreds of containers probing every second saturate two cores.
    private const int HealthIntervalSeconds = 5;
    private const int HealthTimeoutSeconds = 10;
    private const int HealthRetries = 3;
    private static readonly TimeSpan ConvergeDeadline = TimeSpan.FromMinutes(40);
    private static readonly PortRange Ports = new(41000, 42999);

    public static async Task<int> RunAsync(string[] args)
    {
        var tenants = OperatorBenchmark.IntOption(args, "--tenants", 100);
        var integrations = OperatorBenchmark.IntOption(args, "--integrations", 5);

        // Health probes are docker execs; at 500 services they, not the operator, set the pace on two cores (see README).
        var healthChecked = !args.Contains("--no-health-check");
        var runId = Guid.NewGuid().ToString("N")[..6];
        var tenantCodes = Enumerable.Range(0, tenants).Select(i => $"ib{runId}t{i:D3}").ToList();
        using var cancellation = new StopSignals();

        var root = Path.Combine(Path.GetTempPath(), "zpm-bench-integrations-" + runId);
        Directory.CreateDirectory(root);
        using var docker = DockerClientFactory.Create();
        IHost? host = null;
        EmbeddedMongoServer? server = null;
        try
        {
            var total = tenants * integrations;
            OperatorBenchmark.Progress($"run {runId}: {tenants} tenants x {integrations} integrations = {total} services, parallelism {Parallelism}, health {(healthChecked ? $"probe every {HealthIntervalSeconds} s" : "none")}");
            // --operator-only: for comparing the operator's work counts between changes; no ratio then.
            var baseline = args.Contains("--operator-only") ? null : await DirectArmAsync(docker, tenantCodes, integrations, runId, healthChecked, cancellation.Token);
            if (baseline is not null)
            {
                OperatorBenchmark.Progress($"direct: networks {baseline.Networks.TotalSeconds:0.00} s, {baseline.Containers}");
            }

            server = await EmbeddedMongoServer.StartAsync(
                new EmbeddedMongoOptions { Port = 0, DataDirectory = Path.Combine(root, "mongo") }, cancellation.Token);
            using var client = new MongoClient(server.AdminConnectionString());
            var database = client.GetDatabase("zpm");
            await new SchemaInstaller(database).InstallAsync(cancellation.Token);
            await database.GetCollection<BsonDocument>(ZpmCollections.Catalog).InsertManyAsync(
                Enumerable.Range(0, integrations).Select(index => CatalogEntry(index, healthChecked)), cancellationToken: cancellation.Token);

            var settings = new OperatorSettings
            {
                MongoConnectionString = server.AdminConnectionString(),
                Database = "zpm",
                Tenants = tenantCodes.ToHashSet(),
                MaxParallelReconciles = Parallelism,
                DockerStopGrace = TimeSpan.FromSeconds(1),
                IntegrationPorts = Ports,
            };
            var reconcileCounter = new ReconcileCountingSink();
            host = ZpmOperatorHost.CreateBuilder(settings, services =>
            {
                // Warnings and errors on the console; the per-reconcile debug line only feeds the per-kind counter.
                services.AddSerilog(
                    new LoggerConfiguration()
                        .MinimumLevel.Warning()
                        .MinimumLevel.Override(ReconcileCountingSink.SourceContext, LogEventLevel.Debug)
                        .MinimumLevel.Override(ReconcileCountingSink.CauseContexts[0], LogEventLevel.Debug)
                        .MinimumLevel.Override(ReconcileCountingSink.CauseContexts[1], LogEventLevel.Debug)
                        .WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Warning, standardErrorFromLevel: LogEventLevel.Verbose)
                        .WriteTo.Logger(counting => counting
                            .Filter.ByIncludingOnly(e => ReconcileCountingSink.CauseContexts.Append(ReconcileCountingSink.SourceContext).Any(c => Matching.FromSource(c)(e)))
                            .WriteTo.Sink(reconcileCounter))
                        .CreateLogger(),
                    dispose: true);
                var real = services.Last(d => d.ServiceType == typeof(IContainerRuntime));
                services.Remove(real);
                services.AddSingleton(sp => new RecordingContainerRuntime((IContainerRuntime)real.ImplementationFactory!(sp)));
                services.AddSingleton<IContainerRuntime>(sp => sp.GetRequiredService<RecordingContainerRuntime>());
            }).Build();
            await host.StartAsync(cancellation.Token);
            var recording = host.Services.GetRequiredService<RecordingContainerRuntime>();
            var queue = host.Services.GetRequiredService<ReconcileQueue>();
            await using var watch = new StoreWatch(database, ZpmCollections.Integrations, ZpmCollections.PortAllocations);
            await watch.StartAsync(cancellation.Token);
            var completedBefore = queue.CompletedCount;
            var reconcilesBefore = reconcileCounter.Snapshot();
            var listsBefore = recording.Lists;
            var createsBefore = recording.Creates;
            var createTimeBefore = recording.CreateAndStartTotal;
            var networksBefore = recording.NetworkEnsures;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;

            var clock = Stopwatch.StartNew();
            await database.GetCollection<BsonDocument>(ZpmCollections.Tenants).InsertManyAsync(
                tenantCodes.Select(TenantDocument), new InsertManyOptions { IsOrdered = false }, cancellation.Token);
            await database.GetCollection<BsonDocument>(ZpmCollections.Integrations).InsertManyAsync(
                tenantCodes.SelectMany(code => Enumerable.Range(0, integrations).Select(i => IntegrationDocument(code, i))),
                new InsertManyOptions { IsOrdered = false }, cancellation.Token);
            var integrationDocuments = database.GetCollection<BsonDocument>(ZpmCollections.Integrations);
            await WatchUntil(() => watch.InPhase(ZpmCollections.Integrations, "Running") == total, ConvergeDeadline, $"all {total} integrations Running", cancellation.Token);
            var untilAllRunning = clock.Elapsed;
            await ConfirmAsync(async () => await integrationDocuments.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("status.phase", "Running"), cancellationToken: cancellation.Token) == total,
                $"all {total} integrations Running", cancellation.Token);
            OperatorBenchmark.Progress($"operator: all {total} integrations Running after {untilAllRunning.TotalSeconds:0.00} s");
            var convergeCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var reconciles = queue.CompletedCount - completedBefore;
            var byKind = reconcileCounter.Snapshot().Select(k => (k.Key, Count: k.Value - reconcilesBefore.GetValueOrDefault(k.Key))).Where(k => k.Count > 0).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
            var lists = (Calls: recording.Lists.Calls - listsBefore.Calls, Total: recording.Lists.Total - listsBefore.Total);
            var creates = recording.Creates - createsBefore;
            var writeCounts = watch.Snapshot().OrderBy(w => w.Key, StringComparer.Ordinal).ToList();
            OperatorBenchmark.Progress($"converging took {reconciles} reconciles ({reconciles / (double)total:0.00} per integration: "
                + string.Join(", ", byKind.Select(k => $"{k.Key} {k.Count / (double)total:0.00}")) + $"), {convergeCpu.TotalSeconds:0.0} s operator-process CPU ({convergeCpu.TotalMilliseconds / total:0} ms per integration)");
            OperatorBenchmark.Progress($"Docker: {lists.Calls} lists ({lists.Total.TotalSeconds:0.0} s), {creates} create+starts ({(recording.CreateAndStartTotal - createTimeBefore).TotalSeconds:0.0} s), "
                + $"{recording.NetworkEnsures - networksBefore} network ensures; per integration {lists.Calls / (double)total:0.00} lists, {(recording.NetworkEnsures - networksBefore) / (double)total:0.00} network ensures");
            OperatorBenchmark.Progress("worker time per kind: " + string.Join(", ", reconcileCounter.BusyTime().OrderBy(b => b.Key, StringComparer.Ordinal)
                .Select(b => $"{b.Key} {b.Value.TotalSeconds:0.0} s ({b.Value.TotalMilliseconds / total:0} ms per integration)")));
            OperatorBenchmark.Progress("reconciles asked for by: " + string.Join(", ", reconcileCounter.Causes().OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}")));
            OperatorBenchmark.Progress($"MongoDB writes: {writeCounts.Sum(w => w.Value)} ({writeCounts.Sum(w => w.Value) / (double)total:0.00} per integration: "
                + string.Join(", ", writeCounts.Select(w => $"{w.Key} {w.Value / (double)total:0.00}")) + ")");

            var allocations = await database.GetCollection<BsonDocument>(ZpmCollections.PortAllocations).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(cancellation.Token);
            var duplicates = allocations.Count - allocations.Select(a => a["port"].AsInt32).Distinct().Count();

            // Offboarding all tenants at once, until nothing of them is left (documents, containers, networks, ports).
            var offboard = Stopwatch.StartNew();
            await database.GetCollection<BsonDocument>(ZpmCollections.Tenants).DeleteManyAsync(FilterDefinition<BsonDocument>.Empty, cancellation.Token);
            await WatchUntil(() => watch.Existing(ZpmCollections.PortAllocations) == 0 && watch.Existing(ZpmCollections.Integrations) == 0,
                ConvergeDeadline, "every tenant offboarded", cancellation.Token);
            var untilOffboarded = offboard.Elapsed;
            await ConfirmAsync(
                async () => await database.GetCollection<BsonDocument>(ZpmCollections.PortAllocations).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: cancellation.Token) == 0
                    && await integrationDocuments.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: cancellation.Token) == 0,
                "every tenant offboarded", cancellation.Token);

            var ratio = baseline?.UntilAllReady is { } direct ? (untilAllRunning / direct).ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine($"Integration benchmark ({tenants} tenants x {integrations} integrations = {total} services, parallelism {Parallelism}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:u})");
            Console.WriteLine();
            Console.WriteLine($"| {"measure",-80} | {"value",12} |");
            Console.WriteLine($"|{new string('-', 82)}|{new string('-', 14)}|");
            Row($"direct Docker: networks + create+start{(healthChecked ? "+healthy" : " (no health check)")}, all (s)", Seconds(baseline?.UntilAllReady));
            Row("operator: tenants + IntegrationSpecs inserted at once -> all Running (s)", Seconds(untilAllRunning));
            Row("ratio operator / direct (goal <= 1.15)", ratio);
            Row($"host ports allocated / duplicates", $"{allocations.Count} / {duplicates}");
            Row("operator: all tenants deleted -> nothing left (s)", Seconds(untilOffboarded));
            return (baseline is not null && baseline.UntilAllReady is null) || duplicates > 0 ? 1 : 0;
        }
        catch (OperationCanceledException) when (cancellation.IsStopRequested)
        {
            Console.Error.WriteLine("Cancelled; removing this run's containers and networks.");
            return 130;
        }
        finally
        {
            // The operator first: stopping its store under it would fail its last reconciles with connection errors.
            if (host is not null)
            {
                await host.StopAsync(CancellationToken.None);
                host.Dispose();
            }

            if (server is not null)
            {
                await server.DisposeAsync();
            }

            await RemoveLeftoversAsync(docker, tenantCodes);
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

    private sealed record DirectArm(TimeSpan Networks, DirectDockerBaselineResult Containers)
    {
        public TimeSpan? UntilAllReady => Containers.UntilAllReady is { } ready ? Networks + ready : null;
    }

    /// <summary>What the operator ends up asking Docker for, asked directly: one network per tenant, then the containers.</summary>
    private static async Task<DirectArm> DirectArmAsync(DockerClient docker, IReadOnlyList<string> tenantCodes, int integrations, string runId, bool healthChecked, CancellationToken cancellationToken)
    {
        var runtime = DockerContainerRuntime.Create(new DockerRuntimeOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<DockerContainerRuntime>.Instance);
        var labels = new Dictionary<string, string> { [ZpmLabels.Managed] = "true", [DirectDockerBaseline.RunLabel] = runId };
        var networks = Stopwatch.StartNew();
        await Parallel.ForEachAsync(tenantCodes, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (code, token) => await runtime.EnsureNetworkAsync($"zpm-bench-{code}", labels, token));
        var networkTime = networks.Elapsed;
        var port = Ports.First;
        var containers = tenantCodes.SelectMany(code => Enumerable.Range(0, integrations).Select(i => new DesiredContainer
        {
            Owner = new ResourceKey(ServiceSpec.KindName, $"direct-{code}", $"connector-{i}"),
            Replica = 0,
            SpecHash = "baseline",
            Spec = new ServiceSpecBody
            {
                Image = Image,
                Ports = [new PortSpec(HttpPort, port++)],
                Networks = [$"zpm-bench-{code}"],
                Env = new Dictionary<string, string> { ["REGION"] = "eu", ["API_TOKEN"] = "bench" },
                HealthCheck = healthChecked ? HealthCheck() : null,
                Category = ServiceCategory.App,
            },
            ExtraLabels = new Dictionary<string, string> { [DirectDockerBaseline.RunLabel] = runId },
        })).ToList();
        try
        {
            var result = await DirectDockerBaseline.RunAsync(docker, containers, Parallelism, awaitReady: true, ConvergeDeadline, cancellationToken);
            return new DirectArm(networkTime, result);
        }
        finally
        {
            foreach (var code in tenantCodes)
            {
                await runtime.RemoveNetworkAsync($"zpm-bench-{code}", CancellationToken.None);
            }

            runtime.Dispose();
        }
    }

    private static HealthCheckSpec HealthCheck() => new()
    {
        Http = new HttpProbe(HttpPort, "/healthz"),
        IntervalSeconds = HealthIntervalSeconds,
        TimeoutSeconds = HealthTimeoutSeconds,
        Retries = HealthRetries,
    };

    private static BsonDocument CatalogEntry(int index, bool healthChecked)
    {
        var spec = new BsonDocument
        {
            ["integration_id"] = 500 + index,
            ["title"] = $"Connector {index}",
            ["image"] = Image,
            ["ports"] = new BsonArray { new BsonDocument { ["name"] = "http", ["container"] = HttpPort } },
            ["parameters"] = new BsonArray
            {
                new BsonDocument { ["name"] = "region", ["env"] = "REGION", ["required"] = true },
                new BsonDocument { ["name"] = "token", ["env"] = "API_TOKEN", ["required"] = true, ["secret"] = true },
            },
        };
        if (healthChecked)
        {
            spec["healthCheck"] = new BsonDocument
            {
                ["http"] = new BsonDocument { ["port"] = HttpPort, ["path"] = "/healthz" },
                ["intervalSeconds"] = HealthIntervalSeconds,
                ["timeoutSeconds"] = HealthTimeoutSeconds,
                ["retries"] = HealthRetries,
            };
        }

        return new BsonDocument
        {
            ["apiVersion"] = "zpm/v1",
            ["kind"] = "IntegrationDefinition",
            ["metadata"] = new BsonDocument("name", $"connector-{index}"),
            ["spec"] = spec,
        };
    }

    private static BsonDocument TenantDocument(string code) => new()
    {
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "Tenant",
        ["metadata"] = new BsonDocument("name", code),
        ["spec"] = new BsonDocument { ["displayName"] = code },
    };

    private static BsonDocument IntegrationDocument(string code, int index) => new()
    {
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "IntegrationSpec",
        ["metadata"] = new BsonDocument { ["name"] = $"connector-{index}", ["tenant"] = code },
        ["spec"] = new BsonDocument
        {
            ["integration_id"] = 500 + index,
            ["parameters"] = new BsonDocument { ["region"] = "eu", ["token"] = "bench" },
        },
    };

    private static async Task RemoveLeftoversAsync(DockerClient docker, IReadOnlyList<string> tenantCodes)
    {
        var codes = tenantCodes.ToHashSet(StringComparer.Ordinal);
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true });
        var ours = containers.Where(c => c.Labels is not null && c.Labels.TryGetValue(ZpmLabels.Tenant, out var t) && (codes.Contains(t) || codes.Contains(t.Replace("direct-", "", StringComparison.Ordinal)))).ToList();
        await Parallel.ForEachAsync(ours, new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (container, _) => await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None));
        var networks = await docker.Networks.ListNetworksAsync(new NetworksListParameters());
        foreach (var network in networks.Where(n => codes.Any(code => n.Name == $"zpm-tenant-{code}" || n.Name == $"zpm-bench-{code}")))
        {
            await docker.Networks.DeleteNetworkAsync(network.ID);
        }

        OperatorBenchmark.Progress($"removed {ours.Count} leftover containers of this run");
    }

    /// <summary>Waits on the change-stream view: an in-memory check, so polling it often costs nothing measurable.</summary>
    private static Task WatchUntil(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken) =>
        OperatorBenchmark.UntilAsync(() => Task.FromResult(condition()), timeout, what, TimeSpan.FromMilliseconds(50), cancellationToken);

    /// <summary>The change-stream view said done: the store must agree, or the figure is not reported.</summary>
    private static async Task ConfirmAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        if (!await condition())
        {
            throw new InvalidOperationException($"The change stream showed {what}, but the store does not agree; the benchmark cannot trust its own timing.");
        }
    }

    private static string Seconds(TimeSpan? value) => value is { } v ? v.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    private static void Row(string measure, string value) => Console.WriteLine($"| {measure,-80} | {value,12} |");
}
