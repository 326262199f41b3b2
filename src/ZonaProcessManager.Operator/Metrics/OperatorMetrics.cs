using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Metrics;

/// <summary>
/// The operator core's instruments, on one <see cref="Meter"/> (<see cref="MeterName"/>) made by the host's
/// <see cref="IMeterFactory"/>, so each host has its own and nothing is static. Names are the ones a Prometheus scrape
/// shows, in the style controller-runtime users graph (reconcile, workqueue); an exporter listening to
/// <see cref="MeterName"/> serves them. The queues, the leader gate and the reconcilers report here; what is a gauge
/// (queue depth, resources by phase, leadership) is read when a scrape asks. The store's and the engine's own figures
/// (watch events, port allocations, Docker requests) are their adapters' meters.
/// </summary>
public sealed class OperatorMetrics
{
    public const string MeterName = "ZonaProcessManager.Operator";

    /// <summary>zpm_reconcile_total's result of a reconcile that succeeded and asked for nothing more.</summary>
    public const string Success = "success";

    /// <summary>zpm_reconcile_total's result of a reconcile that succeeded and asked to be looked at again later.</summary>
    public const string RequeueAfter = "requeue_after";

    /// <summary>zpm_reconcile_total's result of a reconcile that failed or threw (retried with backoff).</summary>
    public const string Error = "error";

    private readonly Counter<long> _reconciles;
    private readonly Counter<long> _reconcileErrors;
    private readonly Histogram<double> _reconcileDuration;
    private readonly Counter<long> _queueAdds;
    private readonly Counter<long> _queueRetries;
    private readonly Histogram<double> _queueDuration;
    private readonly ConcurrentDictionary<string, Func<int>> _queueDepths = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ResourceKey, ResourcePhase> _phases = new();
    private readonly string _leaderScope;
    private volatile int _leading = -1;

    public OperatorMetrics(IMeterFactory meterFactory, OperatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(settings);
        _leaderScope = ScopeOf(settings);
        var meter = meterFactory.Create(MeterName);
        _reconciles = meter.CreateCounter<long>("zpm_reconcile_total", description: "Reconciles finished, by kind and result (success, requeue_after, error).");
        _reconcileErrors = meter.CreateCounter<long>("zpm_reconcile_errors_total", description: "Reconciles that failed or threw, by kind.");
        _reconcileDuration = meter.CreateHistogram("zpm_reconcile_duration_seconds", "s", "How long each reconcile took, by kind.", advice: DurationBuckets);
        _queueAdds = meter.CreateCounter<long>("zpm_workqueue_adds_total", description: "Keys that became ready in a kind's work queue.");
        _queueRetries = meter.CreateCounter<long>("zpm_workqueue_retries_total", description: "Failed keys scheduled again after their backoff, by kind.");
        _queueDuration = meter.CreateHistogram("zpm_workqueue_queue_duration_seconds", "s", "How long a key waited in a kind's queue for a worker.", advice: DurationBuckets);
        meter.CreateObservableGauge("zpm_workqueue_depth", ObserveQueueDepths, description: "Keys waiting for a worker, by kind.");
        meter.CreateObservableGauge("zpm_resources", ObservePhases, description: "Resources this instance reconciled, by kind and the phase it last wrote.");
        meter.CreateObservableGauge("zpm_leader", ObserveLeader, description: "1 while this instance holds the lease of its scope, else 0.");
    }

    // From 5 ms (a settled service looked at again) to 5 minutes (the longest backoff, the reconcile deadline).
    private static InstrumentAdvice<double> DurationBuckets { get; } = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    };

    public void ReconcileFinished(string kind, string result, TimeSpan elapsed)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        _reconciles.Add(1, kindTag, new KeyValuePair<string, object?>("result", result));
        if (result == Error)
        {
            _reconcileErrors.Add(1, kindTag);
        }

        _reconcileDuration.Record(elapsed.TotalSeconds, kindTag);
    }

    /// <summary>Reports on <paramref name="kind"/>'s queue; <paramref name="depth"/> is read at each scrape.</summary>
    public WorkQueueMetrics ForQueue(string kind, Func<int> depth)
    {
        _queueDepths[kind] = depth;
        return new WorkQueueMetrics(kind, _queueAdds, _queueRetries, _queueDuration);
    }

    /// <summary>The phase <paramref name="key"/>'s reconciler last wrote.</summary>
    public void PhaseWritten(ResourceKey key, ResourcePhase phase) => _phases[key] = phase;

    /// <summary><paramref name="key"/>'s document is gone: it no longer counts.</summary>
    public void ResourceGone(ResourceKey key) => _phases.TryRemove(key, out _);

    /// <summary>zpm_leader's scope label: the database, and the tenants when the instance manages only some ("zpm/acme,demo").</summary>
    public static string ScopeOf(OperatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Tenants is null ? settings.Database : $"{settings.Database}/{string.Join(',', settings.Tenants.Order(StringComparer.Ordinal))}";
    }

    /// <summary>Whether this instance holds the lease of its scope now.</summary>
    public void Leadership(bool leading) => _leading = leading ? 1 : 0;

    private IEnumerable<Measurement<int>> ObserveQueueDepths() =>
        [.. _queueDepths.Select(queue => new Measurement<int>(queue.Value(), new KeyValuePair<string, object?>("kind", queue.Key)))];

    private IEnumerable<Measurement<int>> ObservePhases()
    {
        var counts = new Dictionary<(string Kind, ResourcePhase Phase), int>();
        foreach (var (key, phase) in _phases)
        {
            counts[(key.Kind, phase)] = counts.GetValueOrDefault((key.Kind, phase)) + 1;
        }

        return [.. counts.Select(count => new Measurement<int>(
            count.Value,
            new KeyValuePair<string, object?>("kind", count.Key.Kind),
            new KeyValuePair<string, object?>("phase", count.Key.Phase.ToString())))];
    }

    private IEnumerable<Measurement<int>> ObserveLeader() =>
        _leading is var leading and >= 0 ? [new Measurement<int>(leading, new KeyValuePair<string, object?>("scope", _leaderScope))] : [];
}
