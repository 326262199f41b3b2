using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Tests.EndToEnd;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongosh;
using ZonaProcessManager.Testing.Swarm;

namespace ZonaProcessManager.Cli.Tests.Swarm;

/// <summary>
/// One test's operator on the swarm lab: a real `zpm run --runtime swarm` on its embedded store with DOCKER_HOST at the
/// lab's manager, scoped to this test's own tenants (whose codes carry a fresh <see cref="SwarmTestRun"/> id), plus the
/// ways a user reaches it: mongosh, the zpm CLI, and the manager's Docker API to check what Swarm really runs.
/// Disposing stops zpm first (so it recreates nothing), then removes the run's services and networks from the swarm.
/// </summary>
internal sealed class SwarmOperatorSession : IAsyncDisposable
{
    public const string Database = "zpm";
    public static readonly TimeSpan ConvergeDeadline = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly ITestOutputHelper _output;
    private readonly string _dataDirectory;
    private ZpmRunProcess? _zpm;
    private MongoClient? _client;

    private SwarmOperatorSession(SwarmLab lab, ITestOutputHelper output, int tenantCount)
    {
        Lab = lab;
        _output = output;
        Run = new SwarmTestRun(lab);
        Tenants = Enumerable.Range(0, tenantCount).Select(_ => Run.NewTenant()).ToList();
        _dataDirectory = Path.Combine(Path.GetTempPath(), "zpm-swarm-e2e-" + Run.RunId);
        Environment = new Dictionary<string, string> { ["DOCKER_HOST"] = lab.ManagerEndpoint.ToString() };
    }

    public SwarmLab Lab { get; }

    public SwarmTestRun Run { get; }

    public IReadOnlyList<string> Tenants { get; }

    public string Tenant => Tenants[0];

    /// <summary>What every zpm process of the session gets: DOCKER_HOST at the lab's manager.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public ZpmRunProcess Zpm => _zpm ?? throw new InvalidOperationException("zpm run has not started");

    public IMongoDatabase Db => (_client ?? throw new InvalidOperationException("zpm run has not started")).GetDatabase(Database);

    public static async Task<SwarmOperatorSession> StartAsync(SwarmLab lab, ITestOutputHelper output, int tenantCount = 1)
    {
        var session = new SwarmOperatorSession(lab, output, tenantCount);
        try
        {
            var arguments = new List<string> { "--runtime", "swarm" };
            foreach (var tenant in session.Tenants.Skip(1))
            {
                arguments.AddRange(["--tenant", tenant]);
            }

            session._zpm = await ZpmRunProcess.StartAsync(session.Tenant, session._dataDirectory, session.Environment, arguments);
            session._client = new MongoClient(session._zpm.ConnectionString);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    public static string ServiceName(string tenant, string name) => $"zpm-{tenant}-{name}";

    /// <summary>Runs a mongosh script against the zpm database and fails the test with its output when it fails.</summary>
    public async Task<string> MongoshAsync(string script)
    {
        var url = new MongoUrlBuilder(Zpm.ConnectionString) { DatabaseName = Database }.ToString();
        var result = await Mongosh.Locate().EvalAsync(url, script);
        _output.WriteLine($"$ mongosh --eval {script}\n{result}");
        Assert.True(result.ExitCode == 0, $"mongosh failed: {result}\n--- zpm output ---\n{Zpm.Output}");
        return result.Stdout;
    }

    /// <summary>A zpm CLI command as its own process, with DOCKER_HOST at the manager and --mongo at the session's store.</summary>
    public async Task<CliResult> ZpmAsync(params string[] arguments)
    {
        var result = await ZpmChildCommand.RunAsync(Environment, [.. arguments, "--mongo", Zpm.ConnectionString]);
        _output.WriteLine($"$ zpm {string.Join(' ', arguments)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    /// <summary>Inserts a ServiceSpec with mongosh, as a user would, with the _id zpm apply would give it.</summary>
    public Task<string> InsertServiceAsync(string tenant, string name, BsonDocument spec)
    {
        var document = new BsonDocument
        {
            ["_id"] = $"{tenant}/{name}",
            ["apiVersion"] = "zpm/v1",
            ["kind"] = "ServiceSpec",
            ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = tenant },
            ["spec"] = spec,
        };
        return MongoshAsync($"db.services.insertOne({document.ToJson()}); print('inserted');");
    }

    /// <summary>Changes spec fields of a ServiceSpec with mongosh's updateOne/$set (keys such as "spec.replicas").</summary>
    public Task<string> SetAsync(string tenant, string name, BsonDocument fields) =>
        MongoshAsync($"const r = db.services.updateOne({{ _id: '{tenant}/{name}' }}, {{ $set: {fields.ToJson()} }}); print('matched ' + r.matchedCount);");

    /// <summary>The reasons of a status's conditions, and its message, for asserting on Swarm's outcome.</summary>
    public static IReadOnlyList<string> ConditionReasons(BsonDocument document) =>
        document["status"].AsBsonDocument.GetValue("conditions", new BsonArray()).AsBsonArray
            .Select(condition => condition.AsBsonDocument.GetValue("reason", "").ToString() ?? "")
            .ToList();

    /// <summary>
    /// A zpm CLI command that only reads and writes the store, run in-process like the other CLI tests: its arguments
    /// (e.g. onboarding parameters that are secrets) never reach a process list.
    /// </summary>
    public async Task<CliResult> ZpmStoreCommandAsync(params string[] arguments)
    {
        var result = await CliRunner.RunAsync([.. arguments, "--mongo", Zpm.ConnectionString]);
        // Only the command's name: its other arguments may be parameters that are secrets.
        _output.WriteLine($"$ zpm {string.Join(' ', arguments.Take(2))} … → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    public Task<BsonDocument?> ServiceDocumentAsync(string tenant, string name) =>
        Db.GetCollection<BsonDocument>("services")
            .Find(new BsonDocument { ["metadata.tenant"] = tenant, ["metadata.name"] = name })
            .FirstOrDefaultAsync()!;

    /// <summary>Polls the ServiceSpec's document until <paramref name="accept"/> holds; times out with the last status and zpm's output.</summary>
    public Task<BsonDocument> WaitForServiceAsync(string tenant, string name, Func<BsonDocument, bool> accept, string what) =>
        WaitAsync(
            async () => await ServiceDocumentAsync(tenant, name) ?? new BsonDocument(),
            document => document.Contains("status") && accept(document),
            $"{tenant}/{name}: {what}");

    public Task<BsonDocument> WaitForPhaseAsync(string tenant, string name, string phase, int? ready = null) =>
        WaitForServiceAsync(
            tenant, name,
            document => Phase(document) == phase && (ready is null || Ready(document) == ready),
            $"phase {phase}" + (ready is null ? "" : $" with {ready} ready"));

    public async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, string what, TimeSpan? deadline = null)
    {
        try
        {
            return await Poll.UntilAsync(probe, accept, deadline ?? ConvergeDeadline, what, PollInterval);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException(timeout.Message + "\n--- zpm output ---\n" + _zpm?.Output, timeout);
        }
    }

    /// <summary>The tasks Swarm wants running for a service (desired state running), as the manager lists them.</summary>
    public async Task<IList<TaskResponse>> DesiredTasksAsync(string serviceName)
    {
        var tasks = await Run.Manager.Tasks.ListAsync(new TasksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["service"] = new Dictionary<string, bool> { [serviceName] = true },
                ["desired-state"] = new Dictionary<string, bool> { ["running"] = true },
            },
        });
        return tasks.ToList();
    }

    /// <summary>The tasks of a service that run now.</summary>
    public async Task<IList<TaskResponse>> RunningTasksAsync(string serviceName) =>
        (await DesiredTasksAsync(serviceName)).Where(IsRunning).ToList();

    public async Task<SwarmService?> SwarmServiceAsync(string serviceName) =>
        (await Run.Manager.Swarm.ListServicesAsync(new ServiceListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["name"] = new Dictionary<string, bool> { [serviceName] = true },
            },
        })).FirstOrDefault(service => service.Spec?.Name == serviceName);

    /// <summary>The container of a task that has started; its node's dockerd knows it by this id.</summary>
    public static string ContainerId(TaskResponse task) =>
        task.Status?.ContainerStatus?.ContainerID is { Length: > 0 } id
            ? id
            : throw new InvalidOperationException($"Task {task.ID} has no container yet (state {task.Status?.State}).");

    public static bool IsRunning(TaskResponse task) =>
        string.Equals(task.Status?.State.ToString(), "running", StringComparison.OrdinalIgnoreCase);

    public static string Phase(BsonDocument document) =>
        document.GetValue("status", new BsonDocument()).AsBsonDocument.GetValue("phase", "").ToString() ?? "";

    public static int Ready(BsonDocument document) =>
        document["status"]["replicas"]["ready"].ToInt32();

    public static int Desired(BsonDocument document) =>
        document["status"]["replicas"]["desired"].ToInt32();

    /// <summary>status.containers[*].node, mapped to the lab's node (the runtime may report a node id or a hostname).</summary>
    public IReadOnlyList<SwarmLabNode?> StatusNodes(BsonDocument document) =>
        document["status"]["containers"].AsBsonArray
            .Select(container => container.AsBsonDocument.GetValue("node", BsonNull.Value))
            .Select(node => node.IsString
                ? Lab.Nodes.FirstOrDefault(labNode => labNode.NodeId == node.AsString || labNode.Hostname == node.AsString)
                : null)
            .ToList();

    /// <summary>A one-line picture of a status, for failure messages and the test log.</summary>
    public static string Describe(BsonDocument document) =>
        document.TryGetValue("status", out var status) ? status.ToJson() : "(no status)";

    public void Log(string line) => _output.WriteLine(line);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_zpm is not null)
            {
                _output.WriteLine("--- zpm output ---\n" + _zpm.Output);
                await _zpm.DisposeAsync();
            }

            _client?.Dispose();
        }
        finally
        {
            await Run.DisposeAsync();
        }
    }
}
