using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Queue;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// The operator's work queues: one per controller (ServiceSpec, IntegrationSpec, Tenant, IntegrationDefinition), each
/// with its own MaxParallelReconciles workers, as controller-runtime gives every controller its own queue and
/// MaxConcurrentReconciles. With one shared queue, onboarding bursts of integration and tenant reconciles (MongoDB work)
/// would hold slots the services' reconciles need for Docker; with a queue each, at most MaxParallelReconciles containers are
/// created at once, whatever else is going on. A key belongs to exactly one queue, so one key still never runs twice at
/// once. Every loop and notification feeds it.
/// </summary>
public sealed class ReconcileQueue : IAsyncDisposable
{
    private static readonly string[] ControllerKinds =
        [ServiceSpec.KindName, IntegrationSpec.KindName, Tenant.KindName, IntegrationDefinition.KindName];

    private readonly Dictionary<string, WorkQueue<ResourceKey>> _byKind;

    public ReconcileQueue(OperatorSettings settings, TimeProvider time, ILogger<ReconcileQueue> logger)
    {
        // Jitter only needs to spread retries; a per-queue Random avoids shared mutable state.
        var random = new Random();
        var backoff = new BackoffPolicy(settings.BackoffInitial, settings.BackoffMax, settings.BackoffJitter);
        _byKind = ControllerKinds.ToDictionary(
            kind => kind,
            _ => new WorkQueue<ResourceKey>(settings.MaxParallelReconciles, backoff, random.NextDouble, time, logger),
            StringComparer.Ordinal);
    }

    /// <summary>The queue of the controller for <paramref name="kind"/>; a kind without a controller goes to the services' queue, whose controller dispatch logs and drops it.</summary>
    public WorkQueue<ResourceKey> For(string kind) => _byKind.GetValueOrDefault(kind) ?? _byKind[ServiceSpec.KindName];

    public void Add(ResourceKey key) => For(key.Kind).Add(key);

    /// <inheritdoc cref="WorkQueue{TKey}.AddUnlessBackingOff"/>
    public void AddUnlessBackingOff(ResourceKey key) => For(key.Kind).AddUnlessBackingOff(key);

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

    /// <summary>Runs every controller's queue with <paramref name="handler"/> until <paramref name="stoppingToken"/> fires.</summary>
    public Task RunAsync(Func<ResourceKey, CancellationToken, ValueTask<WorkOutcome>> handler, CancellationToken stoppingToken) =>
        Task.WhenAll(_byKind.Values.Select(q => q.RunAsync(handler, stoppingToken)));

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _byKind.Values)
        {
            await queue.DisposeAsync().ConfigureAwait(false);
        }
    }
}
