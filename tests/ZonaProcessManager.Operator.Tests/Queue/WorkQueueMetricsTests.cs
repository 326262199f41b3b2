using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ZonaProcessManager.Operator.Metrics;
using ZonaProcessManager.Operator.Queue;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Queue;

/// <summary>What a kind's work queue reports: adds, depth, the wait for a worker and retries after failures.</summary>
public sealed class WorkQueueMetricsTests
{
    [Fact]
    public async Task The_queue_counts_adds_and_retries_shows_its_depth_and_times_the_wait_for_a_worker()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var metrics = new OperatorMetrics(meters, new OperatorSettings());
        WorkQueue<string>? queue = null;
        var queueMetrics = metrics.ForQueue("ServiceSpec", () => queue?.ReadyCount ?? 0);
        await using var harness = new WorkQueueHarness(maxParallelism: 1, metrics: queueMetrics);
        queue = harness.Queue;
        using var recorded = new RecordedMeasurements(meters);
        harness.FailingKeys.Add("broken");
        harness.Hold("first");
        harness.Start();
        harness.Queue.Add("first");
        await Eventually.TrueAsync(() => harness.Queue.Snapshot().InFlight.Contains("first"), "first in flight");
        harness.Queue.Add("waiting");
        harness.Queue.Add("broken");

        Assert.Equal(2, recorded.Gauge("zpm_workqueue_depth"));
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        harness.Release("first");
        await harness.WaitHandledAsync("broken", 1);
        await Eventually.TrueAsync(() => harness.Queue.Snapshot().Scheduled.Count == 1, "broken scheduled for a retry");

        Assert.Equal(3, recorded.Sum("zpm_workqueue_adds_total"));
        Assert.Equal(1, recorded.Sum("zpm_workqueue_retries_total"));
        Assert.Equal(0, recorded.Gauge("zpm_workqueue_depth"));
        // "waiting" and "broken" waited the 3 s "first" held the only worker; "first" itself waited for nothing.
        Assert.Equal([0, 3, 3], recorded.Values("zpm_workqueue_queue_duration_seconds").Order());
        Assert.All(recorded.Tags("zpm_workqueue_adds_total"), tags => Assert.Equal("ServiceSpec", tags["kind"]));
    }

    /// <summary>Everything the meters of <paramref name="meters"/> (this test's, no other host's) record.</summary>
    private sealed class RecordedMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Lock _gate = new();
        private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

        public RecordedMeasurements(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public double Sum(string instrument) => Values(instrument).Sum();

        public double Gauge(string instrument)
        {
            lock (_gate)
            {
                _measurements.RemoveAll(m => m.Instrument == instrument);
            }

            _listener.RecordObservableInstruments();
            return Values(instrument).Single();
        }

        public IReadOnlyList<double> Values(string instrument)
        {
            lock (_gate)
            {
                return [.. _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value)];
            }
        }

        public IReadOnlyList<Dictionary<string, object?>> Tags(string instrument)
        {
            lock (_gate)
            {
                return [.. _measurements.Where(m => m.Instrument == instrument).Select(m => m.Tags)];
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copied = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copied[tag.Key] = tag.Value;
            }

            lock (_gate)
            {
                _measurements.Add((instrument.Name, value, copied));
            }
        }
    }
}
