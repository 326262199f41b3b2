using System.Diagnostics;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;
using ZonaProcessManager.EmbeddedMongo;

namespace ZonaProcessManager.Testing.Mongo;

/// <summary>
/// The MongoDB an acceptance test class runs against (xunit class fixture). In order of preference:
/// ZPM_TEST_MONGO_URI (a real MongoDB), a `mongo` container started by Testcontainers when that image is present
/// locally, else our EmbeddedMongoServer in-process on a free port and a fresh data directory. The same tests must
/// pass unchanged on all three, so they are written to MongoDB's documented behaviour. The container and the embedded
/// server run with test commands enabled (configureFailPoint, see <see cref="FailCommand"/>); a ZPM_TEST_MONGO_URI
/// server must too for the fail point tests, which otherwise fail saying so.
/// </summary>
public sealed class MongoTestTarget : IAsyncLifetime
{
    public const string UriVariable = "ZPM_TEST_MONGO_URI";
    public const string TestRunLabel = "zpm.test-run";
    private const string MongoImage = "mongo";
    private const string ReplicaSetName = "rs0";

    private readonly IMessageSink _diagnostics;
    private readonly string _testRunId = Guid.NewGuid().ToString("N");
    private EmbeddedMongoServer? _embedded;
    private string? _embeddedDataDirectory;
    private IContainer? _container;
    private MongoClient? _client;

    public MongoTestTarget(IMessageSink diagnostics)
    {
        _diagnostics = diagnostics;
    }

    public MongoTargetKind Kind { get; private set; }

    /// <summary>Connection string a replica-set-aware client uses (the default way to connect).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>One line naming the target, written into every test's output.</summary>
    public string Description { get; private set; } = "";

    /// <summary>Shared client for the class; tests needing special settings use <see cref="CreateClient"/>.</summary>
    public IMongoClient Client => _client ?? throw new InvalidOperationException("MongoTestTarget not initialized");

    public bool IsEmbedded => Kind == MongoTargetKind.EmbeddedServer;

    public async Task InitializeAsync()
    {
        var externalUri = Environment.GetEnvironmentVariable(UriVariable);
        if (!string.IsNullOrWhiteSpace(externalUri))
        {
            Kind = MongoTargetKind.ExternalMongoDb;
            ConnectionString = externalUri;
            Description = $"target: real MongoDB from {UriVariable} ({RedactCredentials(externalUri)})";
        }
        else if (await LocalMongoImageExistsAsync())
        {
            Kind = MongoTargetKind.MongoDbContainer;
            ConnectionString = await StartContainerAsync();
            Description = $"target: real MongoDB in a Testcontainers `{MongoImage}` container ({ConnectionString})";
        }
        else
        {
            Kind = MongoTargetKind.EmbeddedServer;
            _embeddedDataDirectory = Path.Combine(Path.GetTempPath(), "zpm-test-mongo-" + _testRunId);
            Directory.CreateDirectory(_embeddedDataDirectory);
            // Test commands on, as the drivers' test suites run mongod, so tests can set the failCommand fail point.
            _embedded = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions { Port = 0, DataDirectory = _embeddedDataDirectory, EnableTestCommands = true });
            // Authentication is on, as in `zpm run`: the tests log in as its administrator.
            var admin = _embedded.EnsureAdminUser();
            ConnectionString = _embedded.ConnectionStringFor(admin.User, admin.Password!);
            Description = $"target: EMBEDDED ZonaProcessManager server only (in-process, {_embedded.ConnectionString}, as {admin.User}); "
                + $"no {UriVariable} and no local `{MongoImage}` image, so this run did not check against a real MongoDB";
        }

        _client = new MongoClient(ConnectionString);
        _diagnostics.OnMessage(new DiagnosticMessage(Description));
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (_embeddedDataDirectory is not null)
        {
            TryDeleteDirectory(_embeddedDataDirectory);
        }
    }

    /// <summary>A database for one test; says in the test's output which target it runs against.</summary>
    public TestDatabase CreateDatabase(ITestOutputHelper output)
    {
        output.WriteLine(Description);
        return new TestDatabase(this, Client, TestDatabase.NewName(), output);
    }

    /// <summary>A separate client (own connection pool) with adjusted settings; the caller disposes it.</summary>
    public MongoClient CreateClient(Action<MongoClientSettings>? configure = null)
    {
        var settings = MongoClientSettings.FromConnectionString(ConnectionString);
        configure?.Invoke(settings);
        return new MongoClient(settings);
    }

    /// <summary>
    /// A directConnection=true connection string to the current primary, derived from hello so that it also works
    /// when the target is a multi-member replica set.
    /// </summary>
    public async Task<string> DirectConnectionStringAsync(CancellationToken cancellationToken = default)
    {
        var hello = await Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: cancellationToken);
        var primary = hello.GetValue("primary", BsonNull.Value);
        if (!primary.IsString)
        {
            throw new InvalidOperationException("target reports no primary in hello: " + hello.ToJson());
        }

        var builder = new MongoUrlBuilder(ConnectionString)
        {
            Server = MongoServerAddress.Parse(primary.AsString),
            Servers = [MongoServerAddress.Parse(primary.AsString)],
            ReplicaSetName = null,
            DirectConnection = true,
        };
        return builder.ToString();
    }

    private static async Task<bool> LocalMongoImageExistsAsync()
    {
        // There is no registry here: only use Testcontainers when the image is already on this machine.
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", ["image", "inspect", MongoImage])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (docker is null)
            {
                return false;
            }

            var drainOut = docker.StandardOutput.ReadToEndAsync();
            var drainErr = docker.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await docker.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(drainOut, drainErr);
            return docker.ExitCode == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string> StartContainerAsync()
    {
        // mongod listens inside the container on the same port it is published on, and the replica set member is
        // named 127.0.0.1:<port>, so `hosts`/`me` equal the address the test client dials (needed for ?replicaSet=).
        var port = FreeTcpPort.Pick();
        _container = new ContainerBuilder(MongoImage)
            .WithLabel(TestRunLabel, _testRunId)
            .WithCommand("mongod", "--replSet", ReplicaSetName, "--bind_ip_all", "--port", port.ToString(), "--setParameter", "enableTestCommands=1")
            .WithPortBinding(port, port)
            .WithCreateParameterModifier(parameters => PublishOnLoopbackOnly(parameters, port))
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Waiting for connections"))
            .Build();
        await _container.StartAsync();

        var initiate = $"rs.initiate({{_id:'{ReplicaSetName}',members:[{{_id:0,host:'127.0.0.1:{port}'}}]}})";
        var result = await _container.ExecAsync(["mongosh", "--quiet", "--port", port.ToString(), "--eval", initiate]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"rs.initiate failed in the mongo container: {result.Stdout} {result.Stderr}");
        }

        var connectionString = $"mongodb://127.0.0.1:{port}/?replicaSet={ReplicaSetName}";
        await WaitForWritablePrimaryAsync(connectionString);
        return connectionString;
    }

    private static void PublishOnLoopbackOnly(CreateContainerParameters parameters, int port)
    {
        parameters.HostConfig ??= new HostConfig();
        parameters.HostConfig.PortBindings = new Dictionary<string, IList<PortBinding>>
        {
            [$"{port}/tcp"] = [new PortBinding { HostIP = "127.0.0.1", HostPort = port.ToString() }],
        };
    }

    private static async Task WaitForWritablePrimaryAsync(string connectionString)
    {
        using var client = new MongoClient(connectionString);
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    var hello = await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1));
                    return hello.GetValue("isWritablePrimary", false).ToBoolean();
                }
                catch (MongoException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "the mongo container's replica set to elect a primary");
    }

    private static string RedactCredentials(string uri)
    {
        try
        {
            var url = new MongoUrlBuilder(uri);
            if (url.Password is not null)
            {
                url.Password = "***";
            }

            return url.ToString();
        }
        catch (MongoConfigurationException)
        {
            return "unparsable URI";
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; failing the class for it would hide real results.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
