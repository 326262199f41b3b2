using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Commands;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Leases;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>`zpm run`'s leader-election flags are checked before anything starts; `zpm get operators` shows who leads.</summary>
public sealed class LeaderElectionOptionTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private async Task<CliResult> ZpmAsync(TestDatabase database, params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--mongo", target.ConnectionString, "--database", database.Name]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    [Theory]
    [InlineData(new[] { "--renew-deadline", "15s" }, "--renew-deadline (15s) must be shorter than --lease-duration (15s)")]
    [InlineData(new[] { "--retry-period", "10s" }, "--retry-period (10s) must be shorter than --renew-deadline (10s)")]
    [InlineData(new[] { "--lease-duration", "fifteen" }, "--lease-duration 'fifteen' is not a positive duration")]
    [InlineData(new[] { "--retry-period", "0s" }, "--retry-period '0s' is not a positive duration")]
    [InlineData(new[] { "--lease-duration", "15" }, "--lease-duration '15' is not a positive duration")]
    [InlineData(new[] { "--role", "boss" }, "boss")]
    public async Task A_bad_leader_election_flag_is_a_usage_error_before_anything_starts(string[] flags, string message)
    {
        await using var database = target.CreateDatabase(output);

        var result = await ZpmAsync(database, ["run", .. flags]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("installed:", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("1h", 3_600_000)]
    public void Durations_take_a_unit(string text, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), LeaderElectionOptions.ParseDuration("--lease-duration", text));

    [Fact]
    public async Task Get_operators_shows_the_leader_and_the_standby_of_a_scope()
    {
        await using var database = target.CreateDatabase(output);
        var options = new LeaseOptions { LeaseDuration = TimeSpan.FromMinutes(3), RenewDeadline = TimeSpan.FromMinutes(2), RetryPeriod = TimeSpan.FromMinutes(1) };
        await using var leader = new MongoLeaderElection(database.Database, options with { Role = Domain.Ports.LeaderRole.Active }, NullLogger<MongoLeaderElection>.Instance);
        await using var standby = new MongoLeaderElection(database.Database, options with { Role = Domain.Ports.LeaderRole.Passive }, NullLogger<MongoLeaderElection>.Instance);
        using var stop = new CancellationTokenSource();
        var term = await leader.AcquireAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(20));
        var waiting = standby.AcquireAsync(stop.Token);
        try
        {
            await Eventually.TrueAsync(
                async () => (await ZpmAsync(database, "get", "operators", "-o", "json")).Output.Contains(standby.Identity.Holder, StringComparison.Ordinal),
                TimeSpan.FromSeconds(20),
                "the standby's operator record");

            var table = await ZpmAsync(database, "get", "operators");

            Assert.Equal(0, table.ExitCode);
            var lines = table.Output.Split('\n');
            var leaderLine = Assert.Single(lines, line => line.Contains(leader.Identity.Holder, StringComparison.Ordinal));
            var standbyLine = Assert.Single(lines, line => line.Contains(standby.Identity.Holder, StringComparison.Ordinal));
            Assert.Matches(@"\ball\s+active\s+leader\s+" + term.Generation + @"\s+in \d+[smh]\s+\d+[smh] ago\s", leaderLine);
            Assert.Matches(@"\ball\s+passive\s+standby\s+-\s+-\s+-\s", standbyLine);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }
    }

    [Fact]
    public async Task With_exit_on_lost_lease_a_run_whose_lease_is_taken_exits_with_an_error_saying_so()
    {
        await using var database = target.CreateDatabase(output);
        var tenant = "lease-" + Guid.NewGuid().ToString("N")[..8];
        var scope = ResumeTokenStore.ScopeOf(new HashSet<string> { tenant });
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var run = CliRunner.RunAsync(
            ["run", "--mongo", target.ConnectionString, "--database", database.Name, "--tenant", tenant,
             "--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "500ms", "--exit-on-lost-lease", "--http", "off"],
            new StringWriter(),
            giveUp.Token);
        var leases = database.Collection<BsonDocument>(ZpmCollections.Leases);
        var held = new BsonDocument { ["_id"] = scope, [LeaseFields.Holder] = new BsonDocument("$type", "string") };
        await Eventually.TrueAsync(async () => run.IsCompleted || await leases.Find(held).AnyAsync(), TimeSpan.FromSeconds(60), "the run to take its lease");
        Assert.False(run.IsCompleted, "the run ended before it led: " + (run.IsCompleted ? (await run).Error : ""));

        // Another holder takes the lease over, as one would after this instance was paused past its expiry.
        await leases.UpdateOneAsync(
            new BsonDocument("_id", scope),
            new BsonDocument { ["$set"] = new BsonDocument(LeaseFields.Holder, "intruder"), ["$inc"] = new BsonDocument(LeaseFields.Generation, 1) });

        var result = await run.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"$ zpm run --exit-on-lost-lease → {result.ExitCode}\n{result.Error}");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("lost its leader lease and stopped (--exit-on-lost-lease)", result.Error, StringComparison.Ordinal);
        Assert.Equal("intruder", (await leases.Find(new BsonDocument("_id", scope)).SingleAsync())[LeaseFields.Holder].AsString);
    }
}
