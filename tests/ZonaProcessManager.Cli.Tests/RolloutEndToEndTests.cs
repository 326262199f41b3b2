using System.Collections.Concurrent;
using Docker.DotNet.Models;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm rollout` with the real operator in-process on real Docker, scoped to this test's tenant (whose name holds the
/// Docker run id, so the fixture removes its containers and network whatever happens). Image versions are tags of
/// zpm/busybox:latest in a repository named for this run, removed at the end, so parallel runs never share a tag.
/// </summary>
public sealed class RolloutEndToEndTests(DockerTestEnvironment docker, MongoTestTarget target, ITestOutputHelper output)
    : IClassFixture<DockerTestEnvironment>, IClassFixture<MongoTestTarget>
{
    private Task<CliResult> ZpmAsync(TestDatabase database, params string[] args) => InProcessOperator.ZpmAsync(target, database, output, args);

    private Task WithOperatorAsync(TestDatabase database, string tenant, Func<Task> body) =>
        InProcessOperator.RunAsync(target, database, tenant, body, TimeSpan.FromSeconds(20));

    /// <summary>Tags zpm/busybox:latest as each of <paramref name="tags"/> in this run's repository; returns the image names.</summary>
    private async Task<string[]> TagImagesAsync(params string[] tags)
    {
        var repository = $"zpm-test-{docker.RunId}/busybox";
        foreach (var tag in tags)
        {
            await docker.Client.Images.TagImageAsync(DockerTestEnvironment.BusyboxImage, new ImageTagParameters { RepositoryName = repository, Tag = tag });
        }

        return [.. tags.Select(tag => $"{repository}:{tag}")];
    }

    private async Task RemoveImagesAsync(IEnumerable<string> images)
    {
        foreach (var image in images)
        {
            try
            {
                // Untags only: zpm/busybox:latest keeps the image itself.
                await docker.Client.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = true });
            }
            catch (global::Docker.DotNet.DockerApiException exception)
            {
                output.WriteLine($"could not remove {image}: {exception.Message}");
            }
        }
    }

    private static string Manifest(string tenant, string image) => $"""
        apiVersion: zpm/v1
        kind: ServiceSpec
        metadata: {"{"} name: web, tenant: {tenant} {"}"}
        spec:
          image: {image}
          replicas: 2
          ports: [{"{"} container: 8080, host: auto {"}"}]
          healthCheck: {"{"} http: {"{"} port: 8080, path: /healthz {"}"}, intervalSeconds: 1, timeoutSeconds: 1, retries: 2 {"}"}
          update: {"{"} order: start-first, parallelism: 1 {"}"}
        """;

    private async Task<IList<ContainerListResponse>> ContainersAsync(string tenant) =>
        await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"zpm.tenant={tenant}"] = true } },
        });

    private static string[] HistoryRevisions(CliResult history) =>
        [.. history.Output.TrimEnd('\n').Split('\n').Skip(1).Select(line => line.Split(' ', 2)[0])];

    [Fact]
    public async Task History_undo_and_restart_on_real_containers()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        var images = await TagImagesAsync("1.0", "2.0");
        using var files = new ManifestFiles();
        try
        {
            await WithOperatorAsync(database, tenant, async () =>
            {
                Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", files.Write("web.yaml", Manifest(tenant, images[0])))).ExitCode);
                Assert.Equal(0, (await ZpmAsync(database, "rollout", "status", "web", "-t", tenant, "--timeout", "120s")).ExitCode);
                Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", files.Write("web.yaml", Manifest(tenant, images[1])))).ExitCode);
                var rolledOut = await ZpmAsync(database, "rollout", "status", "web", "-t", tenant, "--timeout", "120s");

                var history = await ZpmAsync(database, "rollout", "history", "web", "-t", tenant);

                Assert.Equal(0, rolledOut.ExitCode);
                Assert.EndsWith($"servicespec/{tenant}/web successfully rolled out (2/2 ready)\n", rolledOut.Output, StringComparison.Ordinal);
                Assert.Equal(["1", "2"], HistoryRevisions(history));
                Assert.Contains(images[0], history.Output);
                Assert.Contains(images[1], history.Output);
                Assert.Equal(2, history.Output.Split("zpm apply by ").Length - 1);

                // Undo: revision 1's spec comes back on every container and becomes revision 3.
                var undo = await ZpmAsync(database, "rollout", "undo", "web", "-t", tenant);
                var undone = await ZpmAsync(database, "rollout", "status", "web", "-t", tenant, "--timeout", "120s");
                var afterUndo = await ZpmAsync(database, "rollout", "history", "web", "-t", tenant);
                var containers = (await ContainersAsync(tenant)).Where(c => c.State == "running").ToList();

                Assert.Equal(0, undo.ExitCode);
                Assert.Equal(0, undone.ExitCode);
                Assert.Equal(2, containers.Count);
                Assert.All(containers, c => Assert.Equal(images[0], c.Image));
                Assert.Equal(["2", "3"], HistoryRevisions(afterUndo));
                Assert.Matches(@"\n3\s+zpm rollout undo to revision 1 by \S+\s+\d+s\s+" + System.Text.RegularExpressions.Regex.Escape(images[0]), afterUndo.Output);

                // Restart: new containers, same image, one at a time (start-first: never fewer than 2 running, never more than 3).
                var before = containers.Select(c => c.ID).ToHashSet();
                var seenRunning = new ConcurrentBag<int>();
                using var sampling = new CancellationTokenSource();
                var sampler = Task.Run(async () =>
                {
                    while (!sampling.IsCancellationRequested)
                    {
                        seenRunning.Add((await ContainersAsync(tenant)).Count(c => c.State == "running"));
                        await Task.Delay(100);
                    }
                });
                var restart = await ZpmAsync(database, "rollout", "restart", "web", "-t", tenant);
                var restarted = await ZpmAsync(database, "rollout", "status", "web", "-t", tenant, "--timeout", "120s");
                await sampling.CancelAsync();
                await sampler;
                var after = (await ContainersAsync(tenant)).Where(c => c.State == "running").ToList();
                var afterRestart = await ZpmAsync(database, "rollout", "history", "web", "-t", tenant);

                Assert.Equal(0, restart.ExitCode);
                Assert.Equal(0, restarted.ExitCode);
                Assert.Equal(2, after.Count);
                Assert.Empty(after.Select(c => c.ID).Intersect(before));
                Assert.All(after, c => Assert.Equal(images[0], c.Image));
                Assert.InRange(seenRunning.Min(), 2, 3);
                Assert.InRange(seenRunning.Max(), 2, 3);
                Assert.Equal(["2", "3", "4"], HistoryRevisions(afterRestart));
                Assert.Matches(@"\n4\s+zpm rollout restart by \S+", afterRestart.Output);
            });
        }
        finally
        {
            await RemoveImagesAsync(images);
        }
    }

    [Fact]
    public async Task Status_exits_1_with_the_reason_when_the_new_replica_never_becomes_healthy()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = docker.NewTenant();
        using var files = new ManifestFiles();
        await WithOperatorAsync(database, tenant, async () =>
        {
            Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", files.Write("web.yaml", Manifest(tenant, DockerTestEnvironment.BusyboxImage)))).ExitCode);
            Assert.Equal(0, (await ZpmAsync(database, "rollout", "status", "web", "-t", tenant, "--timeout", "120s")).ExitCode);
            Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", files.Write("web.yaml", Manifest(tenant, DockerTestEnvironment.UnhealthyBusyboxImage)))).ExitCode);

            var status = await ZpmAsync(database, "rollout", "status", "web", "-t", tenant, "--timeout", "120s");

            Assert.Equal(1, status.ExitCode);
            // failureAction rollback is the default: the operator went back to revision 1 by itself.
            Assert.StartsWith($"error: servicespec/{tenant}/web rollout failed (RolledBack): ", status.Error, StringComparison.Ordinal);
            Assert.Contains("rolled back to revision 1", status.Error, StringComparison.Ordinal);
            Assert.Contains("Waiting for rollout to finish: ", status.Output);
        });
    }
}
