using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Leases;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>Two operator hosts with the MongoDB lease on one database and one tenant scope: one acts, the other takes over.</summary>
[Collection(OperatorIntegrationCollection.Name)]
public sealed class TwoOperatorsOnOneStoreTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly OperatorUnderTest _world = new(docker, mongo, output);
    private readonly List<IHost> _hosts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        await _world.DisposeAsync();
    }

    [Fact]
    public async Task Only_the_leader_reconciles_and_when_it_stops_the_standby_takes_over_and_converges_a_service_inserted_meanwhile()
    {
        var settings = _world.Settings with
        {
            LeaderElection = new LeaderElectionSettings
            {
                LeaseDuration = TimeSpan.FromSeconds(3),
                RenewDeadline = TimeSpan.FromSeconds(2),
                RetryPeriod = TimeSpan.FromMilliseconds(500),
            },
        };
        var first = await StartAsync(settings);
        await Eventually.TrueAsync(() => Task.FromResult(first.Services.GetRequiredService<LeadershipContext>().Current is not null), OperatorUnderTest.Deadline, "the first operator to lead");
        var second = await StartAsync(settings);

        await _world.InsertAsync(_world.ServiceDocument("web"));
        await _world.WaitRunningAsync("web", 1);
        var webContainer = Assert.Single(await _world.ContainersAsync("web"));

        var lease = await _world.Database.GetCollection<BsonDocument>(ZpmCollections.Leases)
            .Find(new BsonDocument("_id", ResumeTokenStore.ScopeOf(settings.Tenants))).SingleAsync();
        Assert.Equal(first.Services.GetRequiredService<MongoLeaderElection>().Identity.Holder, lease[LeaseFields.Holder].AsString);
        Assert.Null(second.Services.GetRequiredService<LeadershipContext>().Current);

        // A graceful stop releases the lease; the service inserted right after is the new leader's to converge.
        await first.StopAsync();
        await _world.InsertAsync(_world.ServiceDocument("api"));
        await _world.WaitRunningAsync("api", 1);

        var taken = second.Services.GetRequiredService<LeadershipContext>().Current;
        Assert.NotNull(taken);
        Assert.Equal(lease[LeaseFields.Generation].ToInt64() + 1, taken.Generation);
        // The take-over's resync found web converged: the same container, not a replacement.
        Assert.Equal(webContainer.Id, Assert.Single(await _world.ContainersAsync("web")).Id);
    }

    private async Task<IHost> StartAsync(OperatorSettings settings)
    {
        var host = ZpmOperatorHost.CreateBuilder(settings).Build();
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }
}
