using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Kinds;
using ZonaProcessManager.Operator.Metrics;
using ZonaProcessManager.Operator.Queue;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// The operator's work queues: one per registered kind (<see cref="KindRegistry"/>), each with its own
/// MaxParallelReconciles workers, as controller-runtime gives every controller its own queue and
/// MaxConcurrentReconciles. With one shared queue, onboarding bursts of integration and tenant reconciles (MongoDB work)
/// would hold slots the services' reconciles need for Docker; with a queue each, at most MaxParallelReconciles containers are
/// created at once, whatever else is going on. A key belongs to exactly one queue, so one key still never runs twice at
/// once. Every loop and notification feeds it. A key of a kind without a reconciler is refused with an error: no queue
/// and no other kind's reconciler takes it.
/// </summary>
public sealed class ReconcileQueue : IAsyncDisposable
{
    private readonly Dictionary<string, WorkQueue<ResourceKey>> _byKind;
    private readonly ILogger<ReconcileQueue> _logger;

    /// <param name="metrics">Where each kind's queue reports adds, retries, waits and depth; null reports nothing.</param>
    public ReconcileQueue(KindRegistry kinds, OperatorSettings settings, TimeProvider time, ILogger<ReconcileQueue> logger, OperatorMetrics? metrics = null)
    {
        _logger = logger;
        // Jitter only needs to spread retries; a per-queue Random avoids shared mutable state.
        var random = new Random();
        var backoff = new BackoffPolicy(settings.BackoffInitial, settings.BackoffMax, settings.BackoffJitter);
        _byKind = new Dictionary<string, WorkQueue<ResourceKey>>(StringComparer.Ordinal);
        foreach (var kind in kinds.Kinds)
        {
            WorkQueue<ResourceKey>? queue = null;
            // The depth is read at each scrape, long after the queue exists.
            var queueMetrics = metrics?.ForQueue(kind, () => queue?.ReadyCount ?? 0);
            queue = new WorkQueue<ResourceKey>(settings.MaxParallelReconciles, backoff, random.NextDouble, time, logger, queueMetrics);
            _byKind[kind] = queue;
        }
    }

    /// <summary>The queue of <paramref name="kind"/>'s reconciler.</summary>
    /// <exception cref="ArgumentException">No reconciler is registered for <paramref name="kind"/>.</exception>
    public WorkQueue<ResourceKey> For(string kind) =>
        _byKind.GetValueOrDefault(kind) ?? throw new ArgumentException($"No reconciler is registered for kind {kind}.", nameof(kind));

    public void Add(ResourceKey key)
    {
        if (QueueOf(key) is { } queue)
        {
            queue.Add(key);
        }
    }

    /// <inheritdoc cref="WorkQueue{TKey}.AddUnlessBackingOff"/>
    public void AddUnlessBackingOff(ResourceKey key)
    {
        if (QueueOf(key) is { } queue)
        {
            queue.AddUnlessBackingOff(key);
        }
    }

    public void AddRange(IEnumerable<ResourceKey> keys)
    {
        foreach (var key in keys)
        {
            Add(key);
        }
    }

    /// <summary>Handler runs finished in all queues since they were created.</summary>
    public long CompletedCount => _byKind.Values.Sum(q => q.CompletedCount);

    /// <summary>Nothing ready and nothing in flight in any queue (scheduled retries may still be pending).</summary>
    public bool IsIdle => _byKind.Values.All(q => q.IsIdle);

    /// <summary>Keys waiting for a worker, over all queues; for diagnostics and tests.</summary>
    public IReadOnlyList<ResourceKey> Ready => [.. _byKind.Values.SelectMany(q => q.Snapshot().Ready)];

    /// <summary>Runs every kind's queue with <paramref name="handler"/> until <paramref name="stoppingToken"/> fires.</summary>
    public Task RunAsync(Func<ResourceKey, CancellationToken, ValueTask<WorkOutcome>> handler, CancellationToken stoppingToken) =>
        Task.WhenAll(_byKind.Values.Select(q => q.RunAsync(handler, stoppingToken)));

    private WorkQueue<ResourceKey>? QueueOf(ResourceKey key)
    {
        if (_byKind.TryGetValue(key.Kind, out var queue))
        {
            return queue;
        }

        // Not queued: no reconciler of this kind will appear while this process runs, and another kind's reconciler
        // would misread the key.
        _logger.LogError("{Resource}: no reconciler is registered for kind {Kind}; not enqueued", key, key.Kind);
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _byKind.Values)
        {
            await queue.DisposeAsync().ConfigureAwait(false);
        }
    }
}
