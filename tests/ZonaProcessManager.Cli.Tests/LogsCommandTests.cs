using Docker.DotNet.Models;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm logs` against real containers on the Docker host, labelled as the operator labels a service's replicas (and
/// with this run's label, so the fixture removes them, also after a failure).
/// </summary>
public sealed class LogsCommandTests(DockerTestEnvironment docker, ITestOutputHelper output) : IClassFixture<DockerTestEnvironment>
{
    private async Task<string> StartReplicaAsync(string tenant, int replica, string script)
    {
        var labels = new Dictionary<string, string>(docker.RunLabels)
        {
            [ZpmLabels.Managed] = "true",
            [ZpmLabels.Kind] = Domain.Model.ServiceSpec.KindName,
            [ZpmLabels.Tenant] = tenant,
            [ZpmLabels.Name] = "web",
            [ZpmLabels.Replica] = replica.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var created = await docker.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = docker.NewName($"logs-{replica}"),
            Image = DockerTestEnvironment.BusyboxImage,
            Entrypoint = ["/bin/sh", "-c"],
            Cmd = [script],
            Labels = labels,
        });
        await docker.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        return created.ID;
    }

    private async Task<CliResult> ZpmAsync(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    /// <summary>Five numbered lines, then stays up (as a service would) until the fixture removes it.</summary>
    private static string FiveLines(int replica) => $"for i in 1 2 3 4 5; do echo r{replica}-line-$i; done; exec sleep 600";

    private async Task AwaitLinesAsync(string tenant, int lines)
    {
        await Eventually.TrueAsync(
            async () => (await CliRunner.RunAsync("logs", "web", "-t", tenant)).Output.Split('\n').Count(line => line.Contains("-line-", StringComparison.Ordinal)) >= lines,
            TimeSpan.FromSeconds(60),
            $"{lines} log lines of {tenant}/web");
    }

    [Fact]
    public async Task Logs_of_several_replicas_prefix_each_line_with_its_replica_and_tail_keeps_the_last_lines_of_each()
    {
        var tenant = docker.NewTenant();
        await StartReplicaAsync(tenant, 0, FiveLines(0));
        await StartReplicaAsync(tenant, 1, FiveLines(1));
        await AwaitLinesAsync(tenant, 10);

        var all = await ZpmAsync("logs", "web", "-t", tenant);
        var tail = await ZpmAsync("logs", "web", "-t", tenant, "--tail", "2");
        var one = await ZpmAsync("logs", "web", "-t", tenant, "--replica", "1");
        var missing = await ZpmAsync("logs", "web", "-t", tenant, "--replica", "7");
        var unknown = await ZpmAsync("logs", "nothing", "-t", tenant);

        Assert.Equal(0, all.ExitCode);
        var lines = all.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(10, lines.Length);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"[replica 0] r0-line-{i}"), lines.Where(line => line.StartsWith("[replica 0] ", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"[replica 1] r1-line-{i}"), lines.Where(line => line.StartsWith("[replica 1] ", StringComparison.Ordinal)));
        Assert.Equal(["[replica 0] r0-line-4", "[replica 0] r0-line-5", "[replica 1] r1-line-4", "[replica 1] r1-line-5"], tail.Output.TrimEnd('\n').Split('\n').Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"r1-line-{i}"), one.Output.TrimEnd('\n').Split('\n'));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"service {tenant}/web has no replica 7", missing.Error);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains($"service {tenant}/nothing has no containers", unknown.Error);
    }

    [Fact]
    public async Task Logs_follow_prints_lines_written_after_it_started_until_interrupted()
    {
        var tenant = docker.NewTenant();
        await StartReplicaAsync(tenant, 0, "i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done");
        var followed = new StringWriter();
        using var interrupt = new CancellationTokenSource();

        var following = CliRunner.RunAsync(["logs", "web", "-t", tenant, "-f", "--tail", "0"], followed, interrupt.Token);
        await Eventually.TrueAsync(
            () => Task.FromResult(CliRunner.Snapshot(followed).Split('\n').Count(line => line.StartsWith("tick-", StringComparison.Ordinal)) >= 3 || following.IsCompleted),
            TimeSpan.FromSeconds(60),
            "three followed lines");
        await interrupt.CancelAsync();
        var result = await following.WaitAsync(TimeSpan.FromSeconds(20));

        output.WriteLine(result.Output + result.Error);
        Assert.Equal(0, result.ExitCode);
        var ticks = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => int.Parse(line["tick-".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(ticks.Count >= 3, result.Output);
        // One replica: no prefix; consecutive lines of the running container, in order.
        Assert.Equal(Enumerable.Range(ticks[0], ticks.Count), ticks);
    }
}
