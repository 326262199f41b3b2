using System.Diagnostics.Metrics;

namespace ZonaProcessManager.Operator.Metrics;

/// <summary>What one kind's work queue reports (<see cref="OperatorMetrics.ForQueue"/>): every instrument tagged with its kind.</summary>
public sealed class WorkQueueMetrics
{
    private readonly KeyValuePair<string, object?> _kind;
    private readonly Counter<long> _adds;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _queueDuration;

    internal WorkQueueMetrics(string kind, Counter<long> adds, Counter<long> retries, Histogram<double> queueDuration)
    {
        _kind = new KeyValuePair<string, object?>("kind", kind);
        _adds = adds;
        _retries = retries;
        _queueDuration = queueDuration;
    }

    public void Added() => _adds.Add(1, _kind);

    public void Retried() => _retries.Add(1, _kind);

    public void Waited(TimeSpan waited) => _queueDuration.Record(waited.TotalSeconds, _kind);
}
