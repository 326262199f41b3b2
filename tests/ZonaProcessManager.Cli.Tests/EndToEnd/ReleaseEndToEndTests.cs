using Docker.DotNet;
using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongosh;

namespace ZonaProcessManager.Cli.Tests.EndToEnd;

/// <summary>
/// Releases end to end: the real `zpm run` binary on the embedded store and real Docker, services inserted with
/// mongosh, the release applied, followed, paused by a failure and rolled back with the `zpm release` commands.
/// Image versions are tags of zpm/busybox made for this run only (zpm-test-&lt;run&gt;/busybox:…), removed afterwards;
/// the operator is scoped to this run's tenant, whose containers and network are removed at the end, also on failure.
/// </summary>
public sealed class ReleaseEndToEndTests : IAsyncLifetime
{
    private const string Database = "zpm";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly DockerTestEnvironment _docker = new();
    private readonly string _tenant;
    private readonly string _repository;
    private readonly string _dataDirectory;
    private readonly List<string> _tags = [];
    private ZpmRunProcess? _zpm;
    private MongoClient? _client;

    public ReleaseEndToEndTests()
    {
        _tenant = _docker.NewTenant();
        _repository = $"zpm-test-{_docker.RunId}/busybox";
        _dataDirectory = Path.Combine(Path.GetTempPath(), "zpm-e2e-release-" + _docker.RunId);
    }

    public Task InitializeAsync() => _docker.InitializeAsync();

    [Fact]
    public async Task A_release_rolls_six_services_category_by_category_to_base_and_patch_tags_and_a_rollback_restores_every_image()
    {
        await TagAsync(DockerTestEnvironment.BusyboxImage, "1.0", "1.1", "1.1-p1");
        await StartAsync();
        var services = new[] { ("sys-a", "system"), ("sys-b", "system"), ("core-a", "core"), ("core-b", "core"), ("app-a", "app"), ("app-b", "app") };
        await InsertServicesWithMongoshAsync(services);
        await WaitForImagesAsync(services.ToDictionary(s => s.Item1, _ => Image("1.0")));

        var applied = await ZpmAsync("release", "apply", "-f", WriteRelease("r1", patched: ["core-a", "app-a"], patchTag: "1.1-p1", maxUnavailable: 2));
        Assert.Equal("release/r1 created", applied.Output.Trim());
        var followed = await ZpmAsync("release", "status", "r1", "--watch");
        Assert.Contains("phase: Complete", followed.Output);
        Assert.Contains("done 6/6", followed.Output);

        var expected = new Dictionary<string, string>
        {
            ["sys-a"] = Image("1.1"),
            ["sys-b"] = Image("1.1"),
            ["core-a"] = Image("1.1-p1"),
            ["core-b"] = Image("1.1"),
            ["app-a"] = Image("1.1-p1"),
            ["app-b"] = Image("1.1"),
        };
        await WaitForImagesAsync(expected);

        // Category order, from the release's own events as a user reads them (mongosh).
        var order = await MongoshAsync($$"""
            const events = db.getSiblingDB('{{Database}}').events.find(
              { 'resource.kind': 'Release', 'resource.name': 'r1', reason: { $in: ['CategoryStarted', 'CategoryDone'] } }).sort({ time: 1 }).toArray();
            print(events.map(e => e.reason + ' ' + e.message.split(':')[0].replace('category ', '') + ' ' + e.time.getTime()).join('\n'));
            """);
        var lines = order.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split(' ')).ToList();
        Assert.Equal(
            ["CategoryStarted system", "CategoryDone system", "CategoryStarted core", "CategoryDone core", "CategoryStarted app", "CategoryDone app"],
            lines.Select(l => $"{l[0]} {l[1]}").ToList());
        var times = lines.Select(l => long.Parse(l[2], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order().ToList(), times);

        var cause = await MongoshAsync($$"""
            print(db.getSiblingDB('{{Database}}').services.findOne({ 'metadata.tenant': '{{_tenant}}', 'metadata.name': 'core-a' }).metadata.annotations['zpm.change-cause']);
            """);
        Assert.Equal("release/r1", cause.Trim());

        Assert.Equal("release/r1 rollback requested", (await ZpmAsync("release", "rollback", "r1")).Output.Trim());
        var rolledBack = await ZpmAsync("release", "status", "r1", "--watch");
        Assert.Contains("phase: RolledBack", rolledBack.Output);
        await WaitForImagesAsync(services.ToDictionary(s => s.Item1, _ => Image("1.0")));
        Assert.False(_zpm!.HasExited, "zpm run exited during the test:\n" + _zpm.Output);
    }

    [Fact]
    public async Task A_patch_image_failing_its_health_check_pauses_the_release_leaves_later_categories_alone_and_rollback_restores()
    {
        await TagAsync(DockerTestEnvironment.BusyboxImage, "1.0", "1.1");
        await TagAsync(DockerTestEnvironment.UnhealthyBusyboxImage, "1.1-bad");
        await StartAsync();
        var services = new[] { ("sys-a", "system"), ("core-a", "core"), ("core-b", "core"), ("app-a", "app") };
        await InsertServicesWithMongoshAsync(services);
        await WaitForImagesAsync(services.ToDictionary(s => s.Item1, _ => Image("1.0")));

        await ZpmAsync("release", "apply", "-f", WriteRelease("r2", patched: ["core-b"], patchTag: "1.1-bad", maxUnavailable: 1));
        var paused = await Poll.UntilAsync(
            () => ReleaseStatusAsync("r2"),
            status => status?["phase"].AsString == "Paused",
            Deadline,
            "release r2 to pause after core-b fails",
            PollInterval);
        var members = paused!["categories"].AsBsonArray.SelectMany(c => c["services"].AsBsonArray).Select(s => s.AsBsonDocument)
            .ToDictionary(s => s["name"].AsString, s => s["state"].AsString);
        Assert.Equal("done", members["sys-a"]);
        Assert.Equal("done", members["core-a"]);
        Assert.Equal("failed", members["core-b"]);
        Assert.Equal("pending", members["app-a"]);

        var shown = await ZpmAsync("release", "status", "r2");
        Assert.Contains("phase: Paused", shown.Output);
        Assert.Matches(@"core\s+failed\s+" + _tenant + @"/core-b\s+failed", shown.Output);

        // The app category was never touched: its spec and container still have the old image.
        Assert.Equal(Image("1.0"), await SpecImageAsync("app-a"));
        Assert.Equal(Image("1.0"), (await RunningImagesAsync())["app-a"].Single());

        await ZpmAsync("release", "rollback", "r2");
        var rolledBack = await ZpmAsync("release", "status", "r2", "--watch");
        Assert.Contains("phase: RolledBack", rolledBack.Output);
        await WaitForImagesAsync(services.ToDictionary(s => s.Item1, _ => Image("1.0")));
        Assert.False(_zpm!.HasExited, "zpm run exited during the test:\n" + _zpm.Output);
    }

    public async Task DisposeAsync()
    {
        try
        {
            _client?.Dispose();
            if (_zpm is not null)
            {
                await _zpm.DisposeAsync();
            }

            await _docker.RemoveTenantAsync(_tenant);
            foreach (var tag in _tags)
            {
                try
                {
                    await _docker.Client.Images.DeleteImageAsync(tag, new ImageDeleteParameters());
                }
                catch (DockerApiException)
                {
                    // Already gone; nothing else of this run can hold it.
                }
            }
        }
        finally
        {
            await _docker.DisposeAsync();
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }

    private string Image(string tag) => $"{_repository}:{tag}";

    private async Task TagAsync(string source, params string[] tags)
    {
        foreach (var tag in tags)
        {
            _tags.Add(Image(tag));
            await _docker.Client.Images.TagImageAsync(source, new ImageTagParameters { RepositoryName = _repository, Tag = tag });
        }
    }

    private async Task StartAsync()
    {
        _zpm = await ZpmRunProcess.StartAsync(_tenant, _dataDirectory);
        _client = new MongoClient(_zpm.ConnectionString);
    }

    /// <summary>Plain inserts, as a user would type them; no command, so each image runs its own (the unhealthy one serves another port).</summary>
    private async Task InsertServicesWithMongoshAsync(IEnumerable<(string Name, string Category)> services)
    {
        var documents = string.Join(",\n", services.Select(s => $$"""
            { apiVersion: 'zpm/v1', kind: 'ServiceSpec', metadata: { name: '{{s.Name}}', tenant: '{{_tenant}}' },
              spec: { image: '{{Image("1.0")}}', category: '{{s.Category}}', replicas: 1,
                      healthCheck: { http: { port: {{DockerTestEnvironment.BusyboxHttpPort}}, path: '/healthz' }, intervalSeconds: 1, timeoutSeconds: 5, retries: 2 } } }
            """));
        await MongoshAsync($"db.getSiblingDB('{Database}').services.insertMany([{documents}]);");
    }

    private string WriteRelease(string name, string[] patched, string patchTag, int maxUnavailable)
    {
        Directory.CreateDirectory(_dataDirectory);
        var path = Path.Combine(_dataDirectory, name + ".yaml");
        File.WriteAllText(path, $"""
            apiVersion: zpm/v1
            kind: Release
            metadata: {"{"} name: {name} {"}"}
            spec:
              baseTag: "1.1"
              selector: {"{"} tenants: [{_tenant}] {"}"}
              patches:
                - services: [{string.Join(", ", patched.Select(p => $"{_tenant}/{p}"))}]
                  tag: "{patchTag}"
              order: [system, core, batch, app]
              maxUnavailable: {maxUnavailable}
              pauseOnFailure: true
              progressDeadlineSeconds: 180
            """);
        return path;
    }

    private async Task<CliResult> ZpmAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        using var output = new StringWriter();
        var result = await CliRunner.RunAsync([.. args, "--mongo", _zpm!.ConnectionString], output, timeout.Token);
        Assert.False(timeout.IsCancellationRequested, $"zpm {string.Join(' ', args)} did not finish within {Deadline}:\n{result.Output}\n--- zpm run ---\n{_zpm.Output}");
        Assert.True(result.ExitCode == 0, $"zpm {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}\n{result.Output}\n--- zpm run ---\n{_zpm.Output}");
        return result;
    }

    private async Task<string> MongoshAsync(string script)
    {
        var result = await Mongosh.Locate().EvalAsync(_zpm!.ConnectionString, script);
        Assert.True(result.ExitCode == 0, $"mongosh failed: {result}\n--- zpm run ---\n{_zpm.Output}");
        return result.Stdout;
    }

    private async Task<BsonDocument?> ReleaseStatusAsync(string name)
    {
        var release = await _client!.GetDatabase(Database).GetCollection<BsonDocument>("releases")
            .Find(new BsonDocument("metadata.name", name)).FirstOrDefaultAsync();
        return release?.GetValue("status", BsonNull.Value) as BsonDocument;
    }

    private async Task<string> SpecImageAsync(string name)
    {
        var service = await _client!.GetDatabase(Database).GetCollection<BsonDocument>("services")
            .Find(new BsonDocument { ["metadata.tenant"] = _tenant, ["metadata.name"] = name }).FirstAsync();
        return service["spec"]["image"].AsString;
    }

    /// <summary>The images of this tenant's running containers, by service name.</summary>
    private async Task<Dictionary<string, List<string>>> RunningImagesAsync()
    {
        var containers = await _docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={_tenant}"] = true },
                ["status"] = new Dictionary<string, bool> { ["running"] = true },
            },
        });
        return containers.GroupBy(c => c.Labels[ZpmLabels.Name]).ToDictionary(g => g.Key, g => g.Select(c => c.Image).ToList());
    }

    /// <summary>Until every named service runs exactly one container, with the expected image, and its document says Running.</summary>
    private async Task WaitForImagesAsync(IReadOnlyDictionary<string, string> expected)
    {
        var services = _client!.GetDatabase(Database).GetCollection<BsonDocument>("services");
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var running = await RunningImagesAsync();
                    var documents = await services.Find(new BsonDocument("metadata.tenant", _tenant)).ToListAsync();
                    return (running, documents);
                },
                state => expected.All(e => state.running.TryGetValue(e.Key, out var images) && images.Count == 1 && images[0] == e.Value)
                    && expected.Keys.All(name => state.documents.Any(d => d["metadata"]["name"] == name
                        && d.GetValue("status", BsonNull.Value) is BsonDocument status && status["phase"] == "Running")),
                Deadline,
                $"containers of {string.Join(", ", expected.Select(e => $"{e.Key}={e.Value}"))}, each Running",
                PollInterval);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException(timeout.Message + "\n--- zpm run ---\n" + _zpm!.Output, timeout);
        }
    }
}
