using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Queue;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>The operator's one work queue of resource keys; every loop and notification feeds it.</summary>
public sealed class ReconcileQueue : IAsyncDisposable
{
    public ReconcileQueue(OperatorSettings settings, TimeProvider time, ILogger<ReconcileQueue> logger)
    {
        // Jitter only needs to spread retries; a per-queue Random avoids shared mutable state.
        var random = new Random();
        var backoff = new BackoffPolicy(settings.BackoffInitial, settings.BackoffMax, settings.BackoffJitter);
        Queue = new WorkQueue<ResourceKey>(settings.MaxParallelReconciles, backoff, random.NextDouble, time, logger);
    }

    public WorkQueue<ResourceKey> Queue { get; }

    public void Add(ResourceKey key) => Queue.Add(key);

    public void AddRange(IEnumerable<ResourceKey> keys)
    {
        foreach (var key in keys)
        {
            Queue.Add(key);
        }
    }

    public ValueTask DisposeAsync() => Queue.DisposeAsync();
}
