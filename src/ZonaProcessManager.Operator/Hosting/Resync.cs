using ZonaProcessManager.Domain.Model;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Operator.Controllers;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>What one resync pass did.</summary>
/// <param name="Enqueued">Keys handed to the queue.</param>
/// <param name="Settled">Services left alone because the one workload list showed them exactly as their status says.</param>
public sealed record ResyncPass(int Enqueued, int Settled);

/// <summary>
/// One pass over everything the operator knows: as a leadership term starts, after lost change-stream history, and
/// periodically. It lists the store and Docker once and enqueues every key, except services that this list already
/// shows settled: for those a reconcile would list their containers again only to find nothing to do, and at a thousand
/// services those lists were nearly all of a resync's cost (about a minute of Docker time).
/// </summary>
public sealed class Resync(ResourceEnumerator enumerator, ServiceReconciler services, ReconcileQueue queue, OperatorHealth health, ILogger<Resync> logger)
{
    private ResyncPass? _lastPass;
    private int _outageAnnounced;

    /// <summary>The latest finished pass; null before the first.</summary>
    public ResyncPass? LastPass => Volatile.Read(ref _lastPass);

    /// <summary>Lists everything and enqueues what needs a look; <paramref name="why"/> names the pass in the log.</summary>
    public async Task<ResyncPass> RunOnceAsync(string why, CancellationToken cancellationToken)
    {
        var snapshot = await enumerator.ListAllAsync(cancellationToken).ConfigureAwait(false);
        List<ResourceKey> toReconcile;
        if (snapshot.RuntimeUnreachable)
        {
            // Once per outage every resource is looked at, so each service's status says the engine is gone; after
            // that their own backoff paces them, and the pass after the engine answers again enqueues them all.
            toReconcile = Interlocked.Exchange(ref _outageAnnounced, 1) == 0 ? [.. snapshot.Keys] : [];
        }
        else
        {
            Volatile.Write(ref _outageAnnounced, 0);
            toReconcile = [.. snapshot.Keys
                .Where(key => !(snapshot.Services.TryGetValue(key, out var stored) && services.IsSettled(stored, snapshot.WorkloadOf(key))))];
        }

        queue.AddRange(toReconcile);
        var pass = new ResyncPass(toReconcile.Count, snapshot.Keys.Count - toReconcile.Count);
        Volatile.Write(ref _lastPass, pass);
        health.MarkStartupResyncDone();
        logger.LogInformation("{Why}: enqueued {Count} resources; {Settled} services already settled", why, pass.Enqueued, pass.Settled);
        return pass;
    }
}
