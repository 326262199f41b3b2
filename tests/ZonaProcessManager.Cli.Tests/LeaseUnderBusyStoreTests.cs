using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Leases;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>`zpm run`'s leader lease talks to the store through connections of its own, not the operator's busy ones.</summary>
public sealed class LeaseUnderBusyStoreTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_leader_takes_and_renews_its_lease_while_the_only_connection_of_the_operators_pool_is_busy()
    {
        await using var database = target.CreateDatabase(output);
        // The operator's pool holds one connection, and a caller waits at most 2 s for it.
        var connectionString = new MongoUrlBuilder(target.ConnectionString)
        {
            MaxConnectionPoolSize = 1,
            WaitQueueTimeout = TimeSpan.FromSeconds(2),
        }.ToString();
        var settings = new OperatorSettings
        {
            MongoConnectionString = connectionString,
            Database = database.Name,
            LeaderElection = new LeaderElectionSettings
            {
                // A renewal every 300 ms; deadlines long enough that a loaded machine cannot end the term.
                LeaseDuration = TimeSpan.FromSeconds(30),
                RenewDeadline = TimeSpan.FromSeconds(20),
                RetryPeriod = TimeSpan.FromMilliseconds(300),
                Role = LeaderRole.Active,
            },
        };
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System);
        services.AddZpmOperatorAdapters(settings);
        await using var provider = services.BuildServiceProvider();
        var data = provider.GetRequiredService<IMongoDatabase>();

        // A change stream on a collection nothing writes to: its getMore holds the pool's only connection for minutes.
        using var stopHolding = new CancellationTokenSource();
        using var stream = await data.GetCollection<BsonDocument>("untouched").WatchAsync(new ChangeStreamOptions { MaxAwaitTime = TimeSpan.FromMinutes(5) });
        var holding = Task.Run(async () =>
        {
            while (await stream.MoveNextAsync(stopHolding.Token))
            {
            }
        });
        var election = provider.GetRequiredService<MongoLeaderElection>();
        using var stop = new CancellationTokenSource();
        try
        {
            await Eventually.TrueAsync(async () => !await AnswersAsync(data), Deadline, "the waiting getMore to hold the operator's only connection");

            var term = await election.AcquireAsync(stop.Token).WaitAsync(Deadline);
            var renewals = new HashSet<DateTime>();
            await Eventually.TrueAsync(
                async () => renewals.Add((await LeaseAsync(database))[LeaseFields.RenewedAt].ToUniversalTime()) && renewals.Count > 3,
                Deadline,
                "three renewals of the lease after the take");

            Assert.True(election.IsConfirmed(term));
            Assert.Equal(election.Identity.Holder, (await LeaseAsync(database))[LeaseFields.Holder].AsString);
            Assert.False(holding.IsCompleted, "the getMore held the operator's only connection throughout");
            Assert.False(await AnswersAsync(data), "the operator's own pool is still busy");
            await election.ReleaseAsync(term, CancellationToken.None);
        }
        finally
        {
            await stop.CancelAsync();
            await stopHolding.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding);
        }
    }

    // Whether the operator's own client gets a connection for a ping before its wait-queue timeout.
    private static async Task<bool> AnswersAsync(IMongoDatabase database)
    {
        try
        {
            await database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static async Task<BsonDocument> LeaseAsync(TestDatabase database) =>
        await database.Database.GetCollection<BsonDocument>(ZpmCollections.Leases)
            .Find(new BsonDocument("_id", ResumeTokenStore.AllTenantsScope)).SingleAsync();
}
