using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Testing.Mongo;
using ZonaProcessManager.Testing.Operator;

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
        var settings = TestOperatorSettings.For(target, database, tenant);
        if (rolloutHealthDeadline is { } deadline)
        {
            settings = settings with { RolloutHealthDeadline = deadline };
        }

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
