using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm diff` and `zpm apply --dry-run` against a real store and the real engine: what they print, their exit codes,
/// and that they write nothing, checked as every stored document's bytes (events included) and every container's id,
/// state and labels before and after. The running service is made by the real operator in-process, scoped to this
/// test's tenant (whose name holds the Docker run id, so the fixture removes its containers whatever happens).
/// </summary>
public sealed class DiffCommandTests(DockerTestEnvironment docker, MongoTestTarget target, ITestOutputHelper output)
    : IClassFixture<DockerTestEnvironment>, IClassFixture<MongoTestTarget>, IDisposable
{
    private readonly ManifestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private Task<CliResult> ZpmAsync(TestDatabase database, params string[] args) => InProcessOperator.ZpmAsync(target, database, output, args);

    private Task<T> WithOperatorAsync<T>(TestDatabase database, string tenant, Func<Task<T>> command) =>
        InProcessOperator.RunAsync(target, database, tenant, command);

    /// <summary>Every document of every collection, as its BSON bytes, by collection and `_id`.</summary>
    private static async Task<List<string>> StoredBytesAsync(TestDatabase database)
    {
        var stored = new List<string>();
        var names = await (await database.Database.ListCollectionNamesAsync()).ToListAsync();
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            stored.Add("collection " + name);
            var documents = await database.Collection<BsonDocument>(name).Find(FilterDefinition<BsonDocument>.Empty).Sort(Builders<BsonDocument>.Sort.Ascending("_id")).ToListAsync();
            stored.AddRange(documents.Select(document => Convert.ToBase64String(document.ToBson())));
        }

        return stored;
    }

    /// <summary>The tenant's containers: id, state and every label.</summary>
    private async Task<List<string>> ContainersAsync(string tenant)
    {
        var containers = await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Tenant}={tenant}"] = true } },
        });
        return [.. containers
            .Select(c => $"{c.ID} {c.State} {string.Join(",", c.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))}")
            .Order(StringComparer.Ordinal)];
    }

    private static string[] Lines(CliResult result) => result.Output.TrimEnd('\n').Split('\n');

    [Fact]
    public async Task Diff_of_a_changed_image_names_the_field_and_the_replacements_exits_1_and_writes_nothing()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        try
        {
            var manifest = ManifestFiles.Service("web", tenant, replicas: 2);
            var applied = _files.Write("web.yaml", manifest);
            var running = await WithOperatorAsync(database, tenant, () => ZpmAsync(database, "apply", "-f", applied, "--wait", "--timeout", "150s"));
            Assert.Equal(0, running.ExitCode);
            var changed = _files.Write("web-next.yaml", manifest.Replace("zpm/busybox:latest", "zpm/busybox:diff-next", StringComparison.Ordinal));
            var storedBefore = await StoredBytesAsync(database);
            var containersBefore = await ContainersAsync(tenant);
            Assert.Equal(2, containersBefore.Count);

            var diff = await ZpmAsync(database, "diff", "-f", changed, "--runtime", "docker");

            Assert.Equal(1, diff.ExitCode);
            Assert.Equal("", diff.Error);
            var lines = Lines(diff);
            Assert.Equal($"servicespec/{tenant}/web configured", lines[0]);
            Assert.Equal("  ~ spec.image: zpm/busybox:latest → zpm/busybox:diff-next", lines[1]);
            Assert.Equal("  operator (docker):", lines[2]);
            Assert.StartsWith("    spec hash ", lines[3]);
            Assert.StartsWith($"    replace 2 container(s) (rolling update, start-first, 1 at a time): zpm-{tenant}-web-0 → ", lines[4]);
            Assert.Contains("    host port for container port 8080/tcp: auto, a free port on 127.0.0.1 chosen by Docker at start", lines);
            Assert.Equal(storedBefore, await StoredBytesAsync(database));
            Assert.Equal(containersBefore, await ContainersAsync(tenant));

            var dryRun = await ZpmAsync(database, "apply", "--dry-run", "-f", changed);

            Assert.Equal(0, dryRun.ExitCode);
            Assert.Equal($"servicespec/{tenant}/web configured (dry run)", Lines(dryRun)[0]);
            Assert.Equal(lines.Skip(1), Lines(dryRun).Skip(1));
            Assert.Equal(storedBefore, await StoredBytesAsync(database));
            Assert.Equal(containersBefore, await ContainersAsync(tenant));

            var unchanged = await ZpmAsync(database, "apply", "--dry-run", "-f", applied);

            Assert.Equal(0, unchanged.ExitCode);
            Assert.Equal($"servicespec/{tenant}/web unchanged (dry run)\n", unchanged.Output);

            var same = await ZpmAsync(database, "diff", "-f", applied);

            Assert.Equal(0, same.ExitCode);
            Assert.Equal("", same.Output);
            Assert.Equal("", same.Error);
            Assert.Equal(containersBefore, await ContainersAsync(tenant));
        }
        finally
        {
            await docker.RemoveTenantAsync(tenant);
        }
    }

    [Fact]
    public async Task A_changed_secret_env_prints_no_value_and_a_new_service_shows_what_would_be_created()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        const string manifest = """
            apiVersion: zpm/v1
            kind: ServiceSpec
            metadata:
              name: api
              tenant: TENANT
              annotations: { zpm.secret-env: API_KEY }
            spec:
              image: zpm/busybox:latest
              env: { API_KEY: first-Secret-value, GREETING: hello }
            """;
        var first = _files.Write("api.yaml", manifest.Replace("TENANT", tenant, StringComparison.Ordinal));

        var created = await ZpmAsync(database, "diff", "-f", first);

        Assert.Equal(1, created.ExitCode);
        Assert.Contains($"servicespec/{tenant}/api created", created.Output);
        Assert.Contains("  + spec.env.API_KEY: ***", created.Output);
        Assert.Contains($"    create 1 container(s): zpm-{tenant}-api-0", created.Output);
        Assert.DoesNotContain("first-Secret-value", created.Output + created.Error);
        Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", first)).ExitCode);

        var second = _files.Write("api-next.yaml", manifest.Replace("TENANT", tenant, StringComparison.Ordinal)
            .Replace("first-Secret-value", "second-Secret-value", StringComparison.Ordinal)
            .Replace("hello", "hi", StringComparison.Ordinal));
        var changed = await ZpmAsync(database, "diff", "-f", second);

        Assert.Equal(1, changed.ExitCode);
        Assert.Equal(
            [$"servicespec/{tenant}/api configured", "  ~ spec.env.API_KEY: (secret changed)", "  ~ spec.env.GREETING: hello → hi"],
            Lines(changed).Take(3));
        Assert.DoesNotContain("Secret-value", changed.Output + changed.Error);
    }

    [Fact]
    public async Task A_service_being_deleted_shows_that_apply_does_not_stop_its_removal()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        var manifest = ManifestFiles.Service("web", tenant);
        Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", _files.Write("web.yaml", manifest))).ExitCode);
        await database.Collection<BsonDocument>("services").UpdateOneAsync(new BsonDocument("_id", $"{tenant}/web"), new BsonDocument("$set", new BsonDocument("metadata.deletionRequested", true)));
        var changed = _files.Write("web-next.yaml", manifest.Replace("zpm/busybox:latest", "zpm/busybox:diff-next", StringComparison.Ordinal));

        var result = await ZpmAsync(database, "diff", "-f", changed, "--runtime", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                $"servicespec/{tenant}/web configured",
                "  ~ spec.image: zpm/busybox:latest → zpm/busybox:diff-next",
                "  operator (docker):",
                "    deletion requested: apply does not cancel it, the service is removed",
                "    no container is created, replaced or removed",
            ],
            Lines(result));
    }

    [Fact]
    public async Task Without_an_engine_the_document_diff_is_still_printed_and_decides_the_exit_code()
    {
        await using var database = target.CreateDatabase(output);
        var path = _files.Write("web.yaml", ManifestFiles.Service("web", docker.NewTenant()));
        var environment = new Dictionary<string, string> { ["DOCKER_HOST"] = $"unix:///tmp/zpm-no-engine-{docker.RunId}/docker.sock" };

        var result = await CliRunner.RunWithEnvironmentAsync(environment, "diff", "-f", path, "--mongo", target.ConnectionString, "--database", database.Name);
        output.WriteLine(result.Output + result.Error);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("  + spec.image: zpm/busybox:latest", result.Output);
        Assert.Contains("    plan not computed: ", result.Output);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task A_bad_manifest_is_exit_2_and_the_good_ones_are_still_compared()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        var path = _files.Write("mixed.yaml", ManifestFiles.Service("web", tenant) + "\n---\n" + "apiVersion: zpm/v1\nkind: ServiceSpec\nmetadata: { name: broken }\nspec: { replicas: 1 }\n");

        var result = await ZpmAsync(database, "diff", "-f", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"servicespec/{tenant}/web created", result.Output);
        Assert.StartsWith($"error: {path}#1: ", result.Error);
        Assert.Empty(await database.Collection<BsonDocument>("services").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
    }

    [Fact]
    public async Task A_release_is_refused_by_name_and_the_other_documents_are_still_compared()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        var path = _files.Write("with-release.yaml", ManifestFiles.Service("web", tenant) + "\n---\n"
            + "apiVersion: zpm/v1\nkind: Release\nmetadata: { name: r1 }\nspec: { baseTag: \"1.1\" }\n");

        var result = await ZpmAsync(database, "diff", "-f", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"servicespec/{tenant}/web created", result.Output);
        Assert.Contains("diff does not cover kind Release", result.Error);
        Assert.Empty(await database.Collection<BsonDocument>("releases").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
    }

    [Fact]
    public async Task Dry_run_with_wait_is_a_usage_error()
    {
        await using var database = target.CreateDatabase(output);
        var path = _files.Write("web.yaml", ManifestFiles.Service("web", docker.NewTenant()));

        var result = await ZpmAsync(database, "apply", "--dry-run", "--wait", "-f", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--dry-run", result.Error);
        Assert.Empty(await database.Collection<BsonDocument>("services").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
    }

    private const string EchoCatalog = """
        apiVersion: zpm/v1
        kind: IntegrationDefinition
        metadata: { name: echo }
        spec:
          integration_id: 401
          image: zpm/busybox:latest
          ports: [{ name: http, container: 8080 }]
          parameters:
            - { name: url, env: ECHO_URL, required: true }
            - { name: key, env: ECHO_KEY, required: true, secret: true }
        """;

    private const string EchoIntegration = """
        apiVersion: zpm/v1
        kind: Tenant
        metadata: { name: TENANT }
        spec: { displayName: Diff test }
        ---
        apiVersion: zpm/v1
        kind: IntegrationSpec
        metadata: { name: echo, tenant: TENANT }
        spec: { integration_id: 401, parameters: { url: https://one.example, key: one-Hidden-key } }
        """;

    private (string First, string Next) EchoManifests(string tenant)
    {
        var first = EchoIntegration.Replace("TENANT", tenant, StringComparison.Ordinal);
        var next = first.Replace("one-Hidden-key", "two-Hidden-key", StringComparison.Ordinal).Replace("https://one.example", "https://two.example", StringComparison.Ordinal);
        return (_files.Write($"echo-{tenant}.yaml", first), _files.Write($"echo-{tenant}-next.yaml", next));
    }

    [Fact]
    public async Task A_new_integration_shows_its_masked_parameter_change_and_the_child_service_and_ports_the_operator_would_make()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        var (first, next) = EchoManifests(tenant);
        Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", _files.Write("catalog.yaml", EchoCatalog))).ExitCode);
        Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", first)).ExitCode);
        var storedBefore = await StoredBytesAsync(database);

        var result = await ZpmAsync(database, "diff", "-f", next);

        Assert.Equal(1, result.ExitCode);
        var lines = Lines(result);
        Assert.DoesNotContain($"tenant/{tenant}", result.Output);
        Assert.Equal($"integrationspec/{tenant}/echo configured", lines[0]);
        Assert.Contains("  ~ spec.parameters.url: https://one.example → https://two.example", lines);
        Assert.Contains("  ~ spec.parameters.key: (secret changed)", lines);
        Assert.Contains("    port http: allocates a host port from the operator's --port-range (container port 8080)", lines);
        Assert.Contains($"    child servicespec/{tenant}/echo created (image zpm/busybox:latest, 1 replica(s))", lines);
        Assert.Contains($"        create 1 container(s): zpm-{tenant}-echo-0", lines);
        Assert.DoesNotContain("Hidden-key", result.Output + result.Error);
        Assert.Equal(storedBefore, await StoredBytesAsync(database));
    }

    [Fact]
    public async Task A_running_integration_shows_the_child_services_change_its_kept_port_and_the_replacement()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        try
        {
            var (first, next) = EchoManifests(tenant);
            Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", _files.Write("catalog.yaml", EchoCatalog))).ExitCode);
            var running = await WithOperatorAsync(database, tenant, () => ZpmAsync(database, "apply", "-f", first, "--wait", "--timeout", "150s"));
            Assert.Equal(0, running.ExitCode);
            var storedBefore = await StoredBytesAsync(database);
            var containersBefore = await ContainersAsync(tenant);
            Assert.Single(containersBefore);

            var result = await ZpmAsync(database, "diff", "-f", next, "--runtime", "docker");

            Assert.Equal(1, result.ExitCode);
            var lines = Lines(result);
            Assert.Contains(lines, line => line.StartsWith("    port http: keeps host port ", StringComparison.Ordinal));
            Assert.Contains($"    child servicespec/{tenant}/echo configured", lines);
            Assert.Contains("      ~ spec.env.ECHO_KEY: (secret changed)", lines);
            Assert.Contains("      ~ spec.env.ECHO_URL: https://one.example → https://two.example", lines);
            Assert.Contains($"        replace 1 container(s) (rolling update, stop-first, 1 at a time): zpm-{tenant}-echo-0 → zpm-{tenant}-echo-0", lines);
            Assert.DoesNotContain("Hidden-key", result.Output + result.Error);
            Assert.Equal(storedBefore, await StoredBytesAsync(database));
            Assert.Equal(containersBefore, await ContainersAsync(tenant));
        }
        finally
        {
            await docker.RemoveTenantAsync(tenant);
        }
    }
}
