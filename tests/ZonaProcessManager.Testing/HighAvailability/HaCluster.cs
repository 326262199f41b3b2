using System.Collections.Concurrent;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>
/// One `zpm mongo serve` and several `zpm run --mongo …` instances (a, b, c, …) on it, all scoped to one tenant unique
/// to the run, each instance talking to the store and to Docker through relays that record what it does. Instances can
/// be killed, paused, resumed, terminated and started again (a new incarnation: "a#2"); the store can be restarted on its
/// port and data. Disposing kills every process and removes the tenant's containers and networks and the run's files,
/// also after a failure.
/// </summary>
public sealed class HaCluster : IAsyncDisposable
{
    public const string Database = "zpm";
    public const string Image = "zpm/busybox:latest";

    /// <summary>Where the election keeps its lease, and where every instance, standbys too, keeps its own record.</summary>
    public const string LeaseCollection = "leases";
    public const string OperatorsCollection = "operators";

    private readonly string _zpmDll;
    private readonly IReadOnlyList<string> _operatorArguments;
    private readonly Dictionary<string, int> _incarnations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OperatorProcess> _current = new(StringComparer.Ordinal);
    private readonly List<OperatorProcess> _all = [];
    private readonly ConcurrentQueue<DockerAction> _actions = new();
    private readonly ConcurrentQueue<StoreWrite> _writes = new();
    private MongoServerProcess _store;
    private MongoClient _client;

    private HaCluster(string zpmDll, string root, string tenant, MongoServerProcess store, IReadOnlyList<string> operatorArguments)
    {
        _zpmDll = zpmDll;
        Root = root;
        Tenant = tenant;
        _store = store;
        _client = new MongoClient(store.ConnectionString);
        _operatorArguments = operatorArguments;
        Docker = DockerClientFactory.Create();
    }

    /// <summary>The run's directory: store data, operator logs, Docker relay sockets.</summary>
    public string Root { get; }

    public string Tenant { get; }

    public DockerClient Docker { get; }

    /// <summary>The store, logged in as its administrator (directly, not through any relay).</summary>
    public IMongoDatabase Store => _client.GetDatabase(Database);

    public IMongoCollection<BsonDocument> Services => Store.GetCollection<BsonDocument>("services");

    /// <summary>Every process started, in start order, including those that exited.</summary>
    public IReadOnlyList<OperatorProcess> AllProcesses
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>The current incarnation of each instance.</summary>
    public IReadOnlyList<OperatorProcess> Instances
    {
        get
        {
            lock (_all)
            {
                return [.. _current.Values];
            }
        }
    }

    public IReadOnlyList<DockerAction> DockerActions => [.. _actions];

    public IReadOnlyList<StoreWrite> StoreWrites => [.. _writes];

    /// <summary>
    /// Starts the store and <paramref name="instances"/> operators (a, b, …) with <paramref name="leaseArguments"/>
    /// (e.g. --lease-duration 3s), and waits until each has installed the schema.
    /// </summary>
    /// <param name="zpmDll">The zpm.dll to run.</param>
    /// <param name="runId">Unique to the run: in the tenant's name and the run directory's.</param>
    public static async Task<HaCluster> StartAsync(string zpmDll, string runId, int instances, IEnumerable<string> leaseArguments)
    {
        if (!File.Exists(zpmDll))
        {
            throw new FileNotFoundException($"zpm.dll not found at {zpmDll}; build the CLI (or `make build`) first", zpmDll);
        }

        // Short: the relay sockets' paths must fit a Unix socket address (108 bytes).
        var root = Path.Combine(Path.GetTempPath(), "zpm-ha-" + runId);
        Directory.CreateDirectory(root);
        var tenant = "ha" + runId;
        MongoServerProcess? store = null;
        HaCluster? cluster = null;
        try
        {
            store = await MongoServerProcess.StartAsync(Path.Combine(root, "store"), zpmDll: zpmDll).ConfigureAwait(false);
            cluster = new HaCluster(zpmDll, root, tenant, store, ["--database", Database, "-t", tenant, .. leaseArguments]);
            var started = Enumerable.Range(0, instances).Select(i => cluster.StartInstance(((char)('a' + i)).ToString())).ToList();
            await Task.WhenAll(started.Select(p => p.Installed)).WaitAsync(TimeSpan.FromSeconds(120)).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
            else if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Starts (a new incarnation of) instance <paramref name="instance"/> without waiting for it.</summary>
    public OperatorProcess StartInstance(string instance)
    {
        lock (_all)
        {
            var incarnation = _incarnations[instance] = _incarnations.GetValueOrDefault(instance) + 1;
            var process = OperatorProcess.Start($"{instance}#{incarnation}", _zpmDll, Root, _store.Port,
                Path.Combine(_store.DataDirectory, AdminLogin.PasswordFile), _operatorArguments, _actions.Enqueue, _writes.Enqueue);
            _current[instance] = process;
            _all.Add(process);
            return process;
        }
    }

    /// <summary>kill -9 of the store, then the same store again on its port and data.</summary>
    public async Task RestartStoreAsync()
    {
        await _store.KillAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        _store = await MongoServerProcess.StartAsync(_store.DataDirectory, port: _store.Port, zpmDll: _zpmDll).ConfigureAwait(false);
        _client.Dispose();
        _client = new MongoClient(_store.ConnectionString);
    }

    /// <summary>The lease documents (schemas/README: `leases`, one per operator scope).</summary>
    public async Task<IReadOnlyList<LeaseSnapshot>> LeasesAsync()
    {
        var documents = await Store.GetCollection<BsonDocument>(LeaseCollection)
            .Find(new BsonDocument { ["holder"] = new BsonDocument("$exists", true), ["generation"] = new BsonDocument("$exists", true) })
            .ToListAsync().ConfigureAwait(false);
        return [.. documents.Select(LeaseSnapshot.From)];
    }

    /// <summary>
    /// The one live process that leads: it logged Leading for the generation the lease document holds and nothing
    /// since, and no other live process claims a term. Null when that is not (yet) so.
    /// </summary>
    public async Task<(OperatorProcess Leader, LeadershipLogLine Term, LeaseSnapshot Lease)?> LeaderAsync()
    {
        var leases = await LeasesAsync().ConfigureAwait(false);
        if (leases.Count != 1)
        {
            return null;
        }

        var claims = Instances.Where(p => p.IsLive && p.CurrentTerm is not null).ToList();
        if (claims.Count != 1 || claims[0].CurrentTerm is not { } term || term.Generation != leases[0].Generation)
        {
            return null;
        }

        return (claims[0], term, leases[0]);
    }

    /// <summary>Waits for <see cref="LeaderAsync"/>; on timeout says what the processes claim and what the lease holds.</summary>
    public async Task<(OperatorProcess Leader, LeadershipLogLine Term, LeaseSnapshot Lease)> WaitForLeaderAsync(TimeSpan deadline, Func<OperatorProcess, bool>? accept = null)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            try
            {
                if (await LeaderAsync().ConfigureAwait(false) is { } found && (accept is null || accept(found.Leader)))
                {
                    return found;
                }
            }
            catch (Exception exception) when (exception is MongoException or TimeoutException && DateTime.UtcNow < until)
            {
                // The store is restarting: ask again.
            }

            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"no single leader within {deadline.TotalSeconds:0.#} s; {await DescribeAsync().ConfigureAwait(false)}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>What each process claims, the lease and the tail of each log: the body of a failure message.</summary>
    public async Task<string> DescribeAsync()
    {
        string lease;
        try
        {
            lease = string.Join("; ", await LeasesAsync().ConfigureAwait(false));
        }
        catch (Exception exception) when (exception is MongoException or TimeoutException)
        {
            lease = "unreadable: " + exception.Message;
        }

        var processes = AllProcesses.Select(p =>
            $"{p.Name}: {(p.HasExited ? "exited" : p.IsPaused ? "paused" : "running")}, claims {(p.CurrentTerm is { } t ? $"term {t.Generation} since {t.At:HH:mm:ss.fff}" : "nothing")}");
        return $"lease: {lease}\n{string.Join('\n', processes)}\n{string.Join('\n', Instances.Select(p => p.Tail(15)))}";
    }

    /// <summary>A ServiceSpec of the run's tenant (no health check, replicas as given).</summary>
    public BsonDocument Service(string name, int replicas) => new()
    {
        ["_id"] = $"{Tenant}/{name}",
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "ServiceSpec",
        ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = Tenant },
        ["spec"] = new BsonDocument { ["image"] = Image, ["replicas"] = replicas },
    };

    /// <summary>How many of <paramref name="names"/> show status.phase Running with all replicas ready.</summary>
    public async Task<int> RunningCountAsync(IEnumerable<string> names)
    {
        var ids = new BsonArray(names.Select(n => $"{Tenant}/{n}"));
        var documents = await Services.Find(new BsonDocument("_id", new BsonDocument("$in", ids))).ToListAsync().ConfigureAwait(false);
        return documents.Count(IsRunning);
    }

    private static bool IsRunning(BsonDocument service) =>
        service.GetValue("status", BsonNull.Value) is BsonDocument status
        && status.GetValue("phase", BsonNull.Value) == "Running"
        && status.GetValue("replicas", BsonNull.Value) is BsonDocument replicas
        && replicas.GetValue("ready", -1).ToInt32() == service["spec"]["replicas"].ToInt32();

    /// <summary>Every container of the run's tenant.</summary>
    public async Task<IList<ContainerListResponse>> ContainersAsync() =>
        await Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={Tenant}"] = true } },
        }).ConfigureAwait(false);

    /// <summary>
    /// Service replica slots (zpm.name, zpm.replica) held by more than one container: what two leaders acting at once
    /// would leave behind.
    /// </summary>
    public static List<string> DuplicateSlots(IEnumerable<ContainerListResponse> containers) =>
        [.. containers
            .GroupBy(c => (Label(c, ZpmLabels.Name), Label(c, ZpmLabels.Replica)))
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Item1} slot {g.Key.Item2}: {string.Join(", ", g.Select(c => c.Names.FirstOrDefault()))}")];

    public static string? Label(ContainerListResponse container, string key) =>
        container.Labels is not null && container.Labels.TryGetValue(key, out var value) ? value : null;

    /// <summary>Kills every operator and the store, then removes the tenant's containers and networks and the run directory.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in AllProcesses)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        await _store.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
        try
        {
            foreach (var container in await ContainersAsync().ConfigureAwait(false))
            {
                await IgnoreNotFound(() => Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true })).ConfigureAwait(false);
            }

            foreach (var network in await Docker.Networks.ListNetworksAsync(new NetworksListParameters()).ConfigureAwait(false))
            {
                if (network.Name.Contains(Tenant, StringComparison.Ordinal) || (network.Labels is not null && network.Labels.TryGetValue(ZpmLabels.Tenant, out var owner) && owner == Tenant))
                {
                    await IgnoreNotFound(() => Docker.Networks.DeleteNetworkAsync(network.ID)).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            Docker.Dispose();
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
    }

    private static async Task IgnoreNotFound(Func<Task> remove)
    {
        try
        {
            await remove().ConfigureAwait(false);
        }
        catch (DockerApiException gone) when (gone.StatusCode == HttpStatusCode.NotFound)
        {
            // Removed meanwhile.
        }
    }
}
