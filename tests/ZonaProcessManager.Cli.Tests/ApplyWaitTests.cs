using Xunit.Abstractions;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm apply --wait` with the real operator in-process on real Docker, scoped to this test's tenant (whose name holds
/// the Docker run id, so the fixture removes its containers and network whatever happens).
/// </summary>
public sealed class ApplyWaitTests(DockerTestEnvironment docker, MongoTestTarget target, ITestOutputHelper output)
    : IClassFixture<DockerTestEnvironment>, IClassFixture<MongoTestTarget>
{
    private Task<CliResult> ApplyWaitingAsync(TestDatabase database, string tenant, string manifest) =>
        WithOperatorAsync(database, tenant, async () =>
        {
            using var files = new ManifestFiles();
            return await ZpmAsync(database, "apply", "-f", files.Write("service.yaml", manifest), "--wait", "--timeout", "150s");
        });

    private Task<CliResult> ZpmAsync(TestDatabase database, params string[] args) => InProcessOperator.ZpmAsync(target, database, output, args);

    private Task<CliResult> WithOperatorAsync(TestDatabase database, string tenant, Func<Task<CliResult>> command) =>
        InProcessOperator.RunAsync(target, database, tenant, command, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Apply_wait_prints_progress_and_exits_0_once_the_service_is_Running()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();

        var result = await ApplyWaitingAsync(database, tenant, ManifestFiles.Service("web", tenant));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        var lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.Equal($"servicespec/{tenant}/web created", lines[0]);
        Assert.Contains($"servicespec/{tenant}/web: Running (1/1 ready)", result.Output);
        Assert.Equal($"servicespec/{tenant}/web is Running", lines[^1]);
    }

    [Fact]
    public async Task Apply_wait_exits_1_with_the_status_message_when_the_image_is_missing()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        var missingImage = $"zpm/busybox:missing-{docker.RunId}";

        var result = await ApplyWaitingAsync(database, tenant, ManifestFiles.Service("web", tenant).Replace("zpm/busybox:latest", missingImage, StringComparison.Ordinal));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: servicespec/{tenant}/web is Degraded: ", result.Error);
        Assert.Contains(missingImage, result.Error);
        Assert.Contains($"servicespec/{tenant}/web: Degraded", result.Output);
    }

    [Fact]
    public async Task Tenant_onboard_wait_exits_0_once_the_tenant_and_its_integration_are_Running()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        using var files = new ManifestFiles();
        var catalog = await ZpmAsync(database, "apply", "-f", files.Write("catalog.yaml", """
            apiVersion: zpm/v1
            kind: IntegrationDefinition
            metadata: { name: echo }
            spec:
              integration_id: 301
              image: zpm/busybox:latest
              ports: [{ name: http, container: 8080 }]
            """));
        Assert.Equal(0, catalog.ExitCode);

        var result = await WithOperatorAsync(database, tenant, () => ZpmAsync(database, "tenant", "onboard", tenant, "-i", "echo", "--wait", "--timeout", "150"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        Assert.Contains($"integrationspec/{tenant}/echo: Running", result.Output);
        Assert.Contains($"tenant/{tenant}: Running", result.Output);
        Assert.EndsWith("all 2 resources are Running", result.Output.TrimEnd());
    }
}
