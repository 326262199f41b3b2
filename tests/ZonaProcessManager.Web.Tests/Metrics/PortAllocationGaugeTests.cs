using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Web.Tests.Metrics;

/// <summary>zpm_port_allocations follows the claims, releases and listings of the MongoDB integration store.</summary>
[Collection(WebOperatorCollection.Name)]
public sealed class PortAllocationGaugeTests(MongoTestTarget mongo, ITestOutputHelper output)
{
    [Fact]
    public async Task The_gauge_counts_each_tenants_claimed_ports_and_follows_releases_and_listings()
    {
        await using var database = mongo.CreateDatabase(output);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var metrics = new MongoMetrics(meters);
        var store = new MongoIntegrationStore(database.Database, metrics: metrics);
        var acme = new PortAllocation("acme", "siem", "api", 20001);
        await store.TryClaimPortAsync(acme, CancellationToken.None);
        await store.TryClaimPortAsync(new PortAllocation("acme", "siem", "ui", 20002), CancellationToken.None);
        await store.TryClaimPortAsync(new PortAllocation("demo", "web", "http", 20003), CancellationToken.None);

        Assert.Equal(new Dictionary<string, long> { ["acme"] = 2, ["demo"] = 1 }, PortsByTenant(meters));

        await store.ReleasePortsAsync([acme], CancellationToken.None);
        Assert.Equal(1, PortsByTenant(meters)["acme"]);

        // A port removed behind this instance's back (another operator, a hand edit) shows at the next listing.
        await database.Database.GetCollection<MongoDB.Bson.BsonDocument>(ZpmCollections.PortAllocations)
            .DeleteManyAsync(new MongoDB.Bson.BsonDocument(ZonaProcessManager.Mongo.Mapping.PortAllocationFields.Tenant, "demo"));
        await store.ListPortAllocationsAsync(null, CancellationToken.None);
        Assert.Equal(new Dictionary<string, long> { ["acme"] = 1, ["demo"] = 0 }, PortsByTenant(meters));
    }

    /// <summary>What the gauge of the meter made by <paramref name="meters"/> (this test's, no other host's) reads now.</summary>
    private static Dictionary<string, long> PortsByTenant(IMeterFactory meters)
    {
        var observed = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name == MongoMetrics.MeterName && instrument.Name == "zpm_port_allocations")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "tenant")
                {
                    observed[(string)tag.Value!] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return observed;
    }
}
