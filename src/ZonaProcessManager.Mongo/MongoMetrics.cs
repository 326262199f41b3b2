using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// The MongoDB adapter's instruments, on one <see cref="Meter"/> (<see cref="MeterName"/>) from the host's
/// <see cref="IMeterFactory"/>: what the change stream delivered and how often it was reopened
/// (<see cref="MongoResourceWatcher"/>), and the host ports each tenant holds (<see cref="MongoIntegrationStore"/>, as
/// last listed, claimed or released by this instance).
/// </summary>
public sealed class MongoMetrics
{
    public const string MeterName = "ZonaProcessManager.Mongo";

    private readonly Counter<long> _watchEvents;
    private readonly Counter<long> _watchRestarts;
    private readonly ConcurrentDictionary<string, int> _portsByTenant = new(StringComparer.Ordinal);

    public MongoMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _watchEvents = meter.CreateCounter<long>("zpm_watch_events_total", description: "Change events read from the store's change stream, by collection and operation.");
        _watchRestarts = meter.CreateCounter<long>("zpm_watch_restarts_total", description: "Times the change stream was opened again after it failed.");
        meter.CreateObservableGauge("zpm_port_allocations", ObservePorts, description: "Host ports allocated to each tenant's integrations.");
    }

    public void WatchEvent(string collection, string operation) =>
        _watchEvents.Add(1, new KeyValuePair<string, object?>("collection", collection), new KeyValuePair<string, object?>("operation", operation));

    public void WatchRestarted() => _watchRestarts.Add(1);

    /// <summary>A listing is the truth at its instant: a tenant's count (every tenant's, when <paramref name="tenant"/> is null) becomes what it holds.</summary>
    public void PortAllocationsListed(string? tenant, IReadOnlyList<PortAllocation> allocations)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        var counts = allocations.GroupBy(a => a.Tenant, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (tenant is not null)
        {
            _portsByTenant[tenant] = counts.GetValueOrDefault(tenant);
            return;
        }

        foreach (var known in _portsByTenant.Keys)
        {
            _portsByTenant[known] = counts.GetValueOrDefault(known);
        }

        foreach (var (owner, count) in counts)
        {
            _portsByTenant[owner] = count;
        }
    }

    public void PortClaimed(string tenant) => _portsByTenant.AddOrUpdate(tenant, 1, (_, count) => count + 1);

    public void PortsReleased(IEnumerable<PortAllocation> released)
    {
        ArgumentNullException.ThrowIfNull(released);
        foreach (var allocation in released)
        {
            _portsByTenant.AddOrUpdate(allocation.Tenant, 0, (_, count) => Math.Max(0, count - 1));
        }
    }

    private IEnumerable<Measurement<int>> ObservePorts() =>
        [.. _portsByTenant.Select(tenant => new Measurement<int>(tenant.Value, new KeyValuePair<string, object?>("tenant", tenant.Key)))];
}
