using System.Diagnostics;
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
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.EmbeddedMongo;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Settings;
using ServiceSpec = ZonaProcessManager.Domain.Model.ServiceSpec;
using SwarmServiceSpec = Docker.DotNet.Models.ServiceSpec;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// `make bench-swarm`: the Swarm backend on the three-node lab of scripts/swarm-lab.sh, each figure against the same
/// work done straight through the manager's Docker API in the same run. (a) N one-replica ServiceSpecs inserted at once
/// until every document is Running, against the same N services (the runtime's own translation, the same overlay
/// networks) created with the same parallelism until every one has a running task. (b) one service scaled 1 → M through
/// its document until M tasks run and the document says Running, against an update of the service's replicas (what
/// `docker service scale` does) until M tasks run. Everything carries the run id and is removed afterwards.
/// </summary>
public static class SwarmBenchmark
{
    private const string Image = "zpm/busybox:latest";
    private const int Parallelism = OperatorBenchmark.Parallelism;

    /// <summary>Each service takes two overlay addresses (its VIP and its task's) from a /24: 100 services per tenant fit.</summary>
    private const int ServicesPerTenant = 100;

    private const string Manager = "unix:///run/zpmlab/n1/docker.sock";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static async Task<int> RunAsync(string[] args)
    {
        var services = OperatorBenchmark.IntOption(args, "--services", 200);
        var scaleTo = OperatorBenchmark.IntOption(args, "--scale", 60);
        var runId = Guid.NewGuid().ToString("N")[..8];
        using var cancellation = new StopSignals();
        var token = cancellation.Token;
        var root = Path.Combine(Path.GetTempPath(), "zpm-bench-swarm-" + runId);
        Directory.CreateDirectory(root);
        using var docker = DockerClientFactory.Create(new Uri(Manager));
        // The Swarm tests hold this lock while they use the lab; figures taken beside them would measure them too.
        using var labLock = await LockLabAsync(token);
        try
        {
            await EnsureLabAsync();
            OperatorBenchmark.Progress($"run {runId}: {services} services, scale 1 → {scaleTo}, parallelism {Parallelism}, lab manager {Manager}");

            var direct = await DirectCreateAsync(docker, $"bsd{runId}", services, token);
            OperatorBenchmark.Progress($"direct: {services} services with a running task after {direct.TotalSeconds:0.00} s");
            await RemoveRunAsync(docker, runId, token);

            var directScale = await DirectScaleAsync(docker, $"bsd{runId}s", scaleTo, token);
            OperatorBenchmark.Progress($"direct: scaled 1 → {scaleTo} in {directScale.TotalSeconds:0.00} s");
            await RemoveRunAsync(docker, runId, token);

            await using var server = await EmbeddedMongoServer.StartAsync(
                new EmbeddedMongoOptions { Port = 0, DataDirectory = Path.Combine(root, "mongo") }, token);
            var tenants = Enumerable.Range(0, (services + ServicesPerTenant - 1) / ServicesPerTenant).Select(k => $"bso{runId}{k}").ToList();
            var scaleTenant = $"bso{runId}s";
            var settings = new OperatorSettings
            {
                MongoConnectionString = server.AdminConnectionString(),
                Database = "zpm",
                Tenants = tenants.Append(scaleTenant).ToHashSet(),
                MaxParallelReconciles = Parallelism,
                DockerEndpoint = new Uri(Manager),
            };
            // What `zpm run` installs before its operator starts; without the indexes every keyed read scans the collection.
            using (var installClient = new MongoClient(settings.MongoConnectionString))
            {
                await new SchemaInstaller(installClient.GetDatabase(settings.Database)).InstallAsync(token);
            }

            using var host = ZpmOperatorHost.CreateBuilder(
                settings,
                new WorkloadRuntimeChoice(WorkloadRuntimeKind.Swarm, "bench-swarm", new SwarmRuntimeOptions()),
                collection => collection.AddSerilog(
                    new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger(),
                    dispose: true)).Build();
            await host.StartAsync(token);
            try
            {
                using var client = new MongoClient(settings.MongoConnectionString);
                var collection = client.GetDatabase(settings.Database).GetCollection<BsonDocument>(ZpmCollections.Services);

                var documents = Enumerable.Range(0, services)
                    .Select(i => Document(tenants[i / ServicesPerTenant], $"svc-{i:D4}", 1)).ToList();
                var clock = Stopwatch.StartNew();
                await collection.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = false }, token);
                var running = Builders<BsonDocument>.Filter.In("metadata.tenant", tenants) & Builders<BsonDocument>.Filter.Eq("status.phase", "Running");
                await UntilAsync(async () => await collection.CountDocumentsAsync(running, cancellationToken: token) == services, $"all {services} documents Running", token);
                var operatorCreate = clock.Elapsed;
                OperatorBenchmark.Progress($"operator: {services} documents Running after {operatorCreate.TotalSeconds:0.00} s");

                await collection.InsertOneAsync(Document(scaleTenant, "scale", 1), cancellationToken: token);
                var scaleKey = Builders<BsonDocument>.Filter.Eq("_id", $"{scaleTenant}/scale");
                await UntilAsync(async () => await IsRunningWithAsync(collection, scaleKey, 1, token), "the scale service Running with 1", token);
                clock.Restart();
                await collection.UpdateOneAsync(scaleKey, Builders<BsonDocument>.Update.Set("spec.replicas", scaleTo), cancellationToken: token);
                await UntilAsync(async () => await RunningTasksAsync(docker, $"zpm-{scaleTenant}-scale", token) == scaleTo, $"{scaleTo} tasks running", token);
                var operatorScaleTasks = clock.Elapsed;
                await UntilAsync(async () => await IsRunningWithAsync(collection, scaleKey, scaleTo, token), $"the document Running with {scaleTo}", token);
                var operatorScaleDocument = clock.Elapsed;
                OperatorBenchmark.Progress($"operator: scaled 1 → {scaleTo}: tasks {operatorScaleTasks.TotalSeconds:0.00} s, document Running {operatorScaleDocument.TotalSeconds:0.00} s");

                Console.WriteLine();
                Console.WriteLine($"| measure (lab of 3 nodes, parallelism {Parallelism}) | value |");
                Console.WriteLine("|---|---|");
                Console.WriteLine($"| {services} services created directly through the Docker API until each has a running task — baseline | {direct.TotalSeconds:0.00} s |");
                Console.WriteLine($"| {services} ServiceSpecs inserted at once → all `status.phase` Running | {operatorCreate.TotalSeconds:0.00} s, **ratio {operatorCreate / direct:0.00}** |");
                Console.WriteLine($"| 1 → {scaleTo} replicas by updating the service directly (`docker service scale`) until {scaleTo} tasks run — baseline | {directScale.TotalSeconds:0.00} s |");
                Console.WriteLine($"| 1 → {scaleTo} through the document until {scaleTo} tasks run | {operatorScaleTasks.TotalSeconds:0.00} s, **ratio {operatorScaleTasks / directScale:0.00}** |");
                Console.WriteLine($"| 1 → {scaleTo} through the document until it says Running with {scaleTo} ready | {operatorScaleDocument.TotalSeconds:0.00} s, ratio {operatorScaleDocument / directScale:0.00} |");
                return 0;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsStopRequested)
        {
            Console.Error.WriteLine("Cancelled; removing this run's services.");
            return 130;
        }
        finally
        {
            await RemoveRunAsync(docker, runId, CancellationToken.None);
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

    private static async Task<FileStream> LockLabAsync(CancellationToken token)
    {
        while (true)
        {
            try
            {
                return new FileStream("/run/zpmlab-tests.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                OperatorBenchmark.Progress("waiting for the Swarm tests to release the lab (/run/zpmlab-tests.lock)");
                await Task.Delay(TimeSpan.FromSeconds(5), token);
            }
        }
    }

    private static async Task EnsureLabAsync()
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "swarm-lab.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, "up"]) { RedirectStandardOutput = true })
                            ?? throw new InvalidOperationException("could not start bash");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/swarm-lab.sh up failed (exit {process.ExitCode}):\n{output}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "scripts", "swarm-lab.sh")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("scripts/swarm-lab.sh not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The services the operator would make for N one-replica specs, in overlay networks of 100, created with the same parallelism.</summary>
    private static async Task<TimeSpan> DirectCreateAsync(DockerClient docker, string tenantPrefix, int count, CancellationToken token)
    {
        var tenants = Enumerable.Range(0, (count + ServicesPerTenant - 1) / ServicesPerTenant).Select(k => $"{tenantPrefix}{k}").ToList();
        var clock = Stopwatch.StartNew();
        foreach (var tenant in tenants)
        {
            await CreateNetworkAsync(docker, tenant, token);
        }

        var ids = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = token },
            async (index, cancel) => ids[(await docker.Swarm.CreateServiceAsync(
                new ServiceCreateParameters { Service = Translate(tenants[index / ServicesPerTenant], $"svc-{index:D4}", 1) }, cancel)).ID ?? ""] = true);
        await UntilAsync(
            async () => await CountRunningAsync(docker, task => task.ServiceID is { } id && ids.ContainsKey(id), null, token) == count,
            $"{count} direct services running", token);
        return clock.Elapsed;
    }

    private static async Task<TimeSpan> DirectScaleAsync(DockerClient docker, string tenant, int scaleTo, CancellationToken token)
    {
        await CreateNetworkAsync(docker, tenant, token);
        var name = $"zpm-{tenant}-scale";
        await docker.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = Translate(tenant, "scale", 1) }, token);
        await UntilAsync(async () => await RunningTasksAsync(docker, name, token) == 1, "the direct scale service running", token);
        var clock = Stopwatch.StartNew();
        var current = await docker.Swarm.InspectServiceAsync(name, token);
        await docker.Swarm.UpdateServiceAsync(current.ID, new ServiceUpdateParameters
        {
            Version = (long)(current.Version?.Index ?? 0),
            Service = SwarmServiceTranslator.Scaled(current.Spec!, scaleTo),
        }, token);
        await UntilAsync(async () => await RunningTasksAsync(docker, name, token) == scaleTo, $"{scaleTo} direct tasks running", token);
        return clock.Elapsed;
    }

    private static Task CreateNetworkAsync(DockerClient docker, string tenant, CancellationToken token) =>
        docker.Networks.CreateNetworkAsync(new NetworksCreateParameters
        {
            Name = Tenant.NetworkNameFor(tenant),
            Driver = "overlay",
            Attachable = true,
            Labels = new Dictionary<string, string> { [ZpmLabels.Tenant] = tenant, [DirectDockerBaseline.RunLabel] = tenant },
        }, token);

    private static SwarmServiceSpec Translate(string tenant, string name, int replicas)
    {
        var owner = new ResourceKey(ServiceSpec.KindName, tenant, name);
        var spec = new ServiceSpecBody { Image = Image, Replicas = replicas, Networks = [Tenant.NetworkNameFor(tenant)] };
        return SwarmServiceTranslator.Translate(owner, $"zpm-{tenant}-{name}", spec, "baseline", replicas,
            new Dictionary<string, string>(), new SwarmRuntimeOptions());
    }

    private static BsonDocument Document(string tenant, string name, int replicas) => new()
    {
        ["_id"] = $"{tenant}/{name}",
        ["apiVersion"] = ServiceSpec.ApiVersion,
        ["kind"] = ServiceSpec.KindName,
        ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = tenant },
        ["spec"] = new BsonDocument { ["image"] = Image, ["replicas"] = replicas },
    };

    private static async Task<bool> IsRunningWithAsync(IMongoCollection<BsonDocument> collection, FilterDefinition<BsonDocument> key, int ready, CancellationToken token)
    {
        var document = await collection.Find(key).FirstOrDefaultAsync(token);
        return document?.GetValue("status", new BsonDocument()) is BsonDocument status
               && status.GetValue("phase", "").ToString() == "Running"
               && status.TryGetValue("replicas", out var replicas) && replicas["ready"].ToInt32() == ready;
    }

    private static Task<int> RunningTasksAsync(DockerClient docker, string service, CancellationToken token) =>
        CountRunningAsync(docker, task => true, new Dictionary<string, bool> { [service] = true }, token);

    /// <summary>Running tasks that <paramref name="keep"/> takes, from one task list (of <paramref name="services"/> only, when given).</summary>
    private static async Task<int> CountRunningAsync(DockerClient docker, Func<TaskResponse, bool> keep, IDictionary<string, bool>? services, CancellationToken token)
    {
        var filters = new Dictionary<string, IDictionary<string, bool>>
        {
            ["desired-state"] = new Dictionary<string, bool> { ["running"] = true },
        };
        if (services is not null)
        {
            filters["service"] = services;
        }

        var tasks = await docker.Tasks.ListAsync(new TasksListParameters { Filters = filters }, token);
        return tasks.Count(task => task.Status?.State == TaskState.Running && keep(task));
    }

    /// <summary>Removes the run's services, waits until their tasks are gone, then removes the run's networks.</summary>
    private static async Task RemoveRunAsync(DockerClient docker, string runId, CancellationToken token)
    {
        var services = (await docker.Swarm.ListServicesAsync(cancellationToken: token))
            .Where(service => service.Spec?.Name?.Contains(runId, StringComparison.Ordinal) == true).ToList();
        await Parallel.ForEachAsync(services, new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (service, cancel) => await docker.Swarm.RemoveServiceAsync(service.ID, cancel));
        await UntilAsync(async () => (await docker.Tasks.ListAsync(token)).All(task => services.All(s => s.ID != task.ServiceID)),
            "the run's tasks gone", token);
        var networks = (await docker.Networks.ListNetworksAsync(new NetworksListParameters(), token))
            .Where(network => network.Name.Contains(runId, StringComparison.Ordinal)).ToList();
        foreach (var network in networks)
        {
            // Swarm frees a network a moment after its last task; retry until it goes.
            await UntilAsync(async () =>
            {
                try
                {
                    await docker.Networks.DeleteNetworkAsync(network.ID, token);
                    return true;
                }
                catch (DockerApiException busy) when (busy.StatusCode != System.Net.HttpStatusCode.NotFound)
                {
                    return false;
                }
                catch (DockerNetworkNotFoundException)
                {
                    return true;
                }
            }, $"network {network.Name} removed", token);
        }

        OperatorBenchmark.Progress($"removed {services.Count} services and {networks.Count} networks of run {runId}");
    }

    private static Task UntilAsync(Func<Task<bool>> condition, string what, CancellationToken token) =>
        OperatorBenchmark.UntilAsync(condition, Deadline, what, PollInterval, token);
}
