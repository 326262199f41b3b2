using System.Collections.Concurrent;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Revisions;

/// <summary>
/// Records each spec the operator is about to roll out as the service's newest revision. It remembers the newest hash
/// it recorded or found per service, so a reconcile of an unchanged spec (nearly all of them) costs no store call;
/// only the first reconcile of a service after the operator starts, and each real change, reach the store.
/// </summary>
public sealed class RevisionRecorder(IRevisionStore store, OperatorSettings settings, TimeProvider time)
{
    private readonly ConcurrentDictionary<ResourceKey, string> _newestHashes = new();

    /// <summary>The service's revision for <paramref name="specHash"/>, recorded now when it is not the newest yet.</summary>
    public async Task<ServiceRevision?> RecordAsync(ServiceSpec service, string specHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (_newestHashes.TryGetValue(service.Key, out var newest) && newest == specHash)
        {
            return null;
        }

        var revision = await store.RecordAsync(
            service.Key, service.Spec, specHash, ChangeCause.Of(service.Metadata), time.GetUtcNow(), settings.RevisionHistoryLimit, cancellationToken).ConfigureAwait(false);
        _newestHashes[service.Key] = revision.SpecHash;
        return revision;
    }

    /// <summary>The service's revisions, oldest first (what an automatic rollback chooses from).</summary>
    public Task<IReadOnlyList<ServiceRevision>> ListAsync(ResourceKey service, CancellationToken cancellationToken) =>
        store.ListAsync(service, cancellationToken);

    /// <summary>Revision <paramref name="number"/> of the service, or null when it is not kept.</summary>
    public Task<ServiceRevision?> GetAsync(ResourceKey service, long number, CancellationToken cancellationToken) =>
        store.GetAsync(service, number, cancellationToken);

    /// <summary>Forgets the service's history: its document is gone.</summary>
    public async Task ForgetAsync(ResourceKey service, CancellationToken cancellationToken)
    {
        _newestHashes.TryRemove(service, out _);
        await store.DeleteAllAsync(service, cancellationToken).ConfigureAwait(false);
    }
}
