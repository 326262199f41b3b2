using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm run`'s operator host, in-process on one test database and one tenant, for as long as a test's CLI commands run
/// against it; and those commands, logged to the test's output.
/// </summary>
internal static class InProcessOperator
{
    /// <summary>Runs <paramref name="body"/> while the operator runs; the operator stops afterwards, also on failure.</summary>
    public static async Task<T> RunAsync<T>(
        MongoTestTarget target, TestDatabase database, string tenant, Func<Task<T>> body, TimeSpan? rolloutHealthDeadline = null)
    {
        // Each test its own slice of integration ports, so parallel runs on one Docker host rarely meet.
        var first = 30000 + (Random.Shared.Next(0, 250) * 100);
        var settings = new OperatorSettings
        {
            MongoConnectionString = target.ConnectionString,
            Database = database.Name,
            Tenants = new HashSet<string> { tenant },
            IntegrationPorts = new PortRange(first, first + 99),
            DockerStopGrace = TimeSpan.FromSeconds(1),
            ProgressRequeueInterval = TimeSpan.FromMilliseconds(300),
            RolloutHealthDeadline = rolloutHealthDeadline ?? new OperatorSettings().RolloutHealthDeadline,
        };
        using var host = ZpmOperatorHost.CreateBuilder(settings).Build();
        await host.StartAsync();
        try
        {
            return await body();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <inheritdoc cref="RunAsync{T}"/>
    public static Task RunAsync(MongoTestTarget target, TestDatabase database, string tenant, Func<Task> body, TimeSpan? rolloutHealthDeadline = null) =>
        RunAsync(target, database, tenant, async () =>
        {
            await body();
            return true;
        }, rolloutHealthDeadline);

    /// <summary>`zpm <paramref name="args"/>` against the test database, its command line and output written to the test's log.</summary>
    public static async Task<CliResult> ZpmAsync(MongoTestTarget target, TestDatabase database, ITestOutputHelper output, params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--mongo", target.ConnectionString, "--database", database.Name]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }
}
