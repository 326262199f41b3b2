using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.EmbeddedMongo;
using ZonaProcessManager.Mongo.Leases;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Leases;

public sealed class LeaseStoreRestartTests
{
    private static readonly LeaseOptions Fast = new()
    {
        LeaseDuration = TimeSpan.FromMilliseconds(1500),
        RenewDeadline = TimeSpan.FromMilliseconds(1000),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
        ActivePreference = TimeSpan.FromMilliseconds(300),
    };

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task After_a_store_restart_both_instances_reconnect_and_one_leads()
    {
        // Stopping and starting the store needs a server of the test's own: an embedded one on a fixed port and data directory.
        var dataDirectory = Path.Combine(Path.GetTempPath(), "zpm-lease-restart-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var options = new EmbeddedMongoOptions { Port = FreeTcpPort.Pick(), DataDirectory = dataDirectory };
        var server = await EmbeddedMongoServer.StartAsync(options);
        using var stop = new CancellationTokenSource();
        try
        {
            var admin = server.EnsureAdminUser();
            using var client = new MongoClient(server.ConnectionStringFor(admin.User, admin.Password));
            var database = client.GetDatabase("zpm_lease_restart");
            await using var first = new MongoLeaderElection(database, Fast, NullLogger<MongoLeaderElection>.Instance);
            await using var second = new MongoLeaderElection(database, Fast, NullLogger<MongoLeaderElection>.Instance);
            var firstTerm = first.AcquireAsync(stop.Token);
            var secondTerm = second.AcquireAsync(stop.Token);
            var winner = await Task.WhenAny(firstTerm, secondTerm).WaitAsync(Deadline);
            var (leader, standby, standbyTerm) = winner == firstTerm ? (first, second, secondTerm) : (second, first, firstTerm);
            var term = await winner;

            await server.DisposeAsync();
            // Without the store the leader cannot renew: it stops leading at the renew deadline.
            await Eventually.TrueAsync(() => Task.FromResult(term.Lost.IsCancellationRequested), Deadline, "the leader to lose its term while the store is down");
            await leader.ReleaseAsync(term, CancellationToken.None);
            var leaderAgain = leader.AcquireAsync(stop.Token);
            server = await EmbeddedMongoServer.StartAsync(options);

            var next = await Task.WhenAny(leaderAgain, standbyTerm).WaitAsync(Deadline);
            var nextTerm = await next;
            Assert.Equal(term.Generation + 1, nextTerm.Generation);
            var other = next == leaderAgain ? standbyTerm : leaderAgain;
            Assert.False(other.IsCompleted, "only one instance leads after the restart");
        }
        finally
        {
            await stop.CancelAsync();
            await server.DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
