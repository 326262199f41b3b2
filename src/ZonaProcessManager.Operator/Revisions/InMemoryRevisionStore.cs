using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Revisions;

/// <summary>
/// The operator core's default <see cref="IRevisionStore"/>, for hosts that register no persistent one (in-process
/// tests): history lives as long as the process. `zpm run` registers the MongoDB store instead.
/// </summary>
public sealed class InMemoryRevisionStore : IRevisionStore
{
    // One lock for every service: each call is a few list operations, far cheaper than the reconcile around it.
    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceKey, List<ServiceRevision>> _revisions = [];
    private readonly Dictionary<ResourceKey, long> _lastNumbers = [];

    public Task<ServiceRevision> RecordAsync(
        ResourceKey service, ServiceSpecBody spec, string specHash, string changeCause, DateTimeOffset now, int keep, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_revisions.TryGetValue(service, out var history))
            {
                history = [];
                _revisions[service] = history;
            }

            if (history.Count > 0 && history[^1].SpecHash == specHash)
            {
                return Task.FromResult(history[^1]);
            }

            history.RemoveAll(revision => revision.SpecHash == specHash);
            var number = _lastNumbers.GetValueOrDefault(service) + 1;
            _lastNumbers[service] = number;
            var recorded = new ServiceRevision(service, number, specHash, spec, now, changeCause);
            history.Add(recorded);
            if (history.Count > keep)
            {
                history.RemoveRange(0, history.Count - keep);
            }

            return Task.FromResult(recorded);
        }
    }

    public Task<IReadOnlyList<ServiceRevision>> ListAsync(ResourceKey service, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ServiceRevision> history = _revisions.TryGetValue(service, out var revisions) ? [.. revisions] : [];
            return Task.FromResult(history);
        }
    }

    public Task<ServiceRevision?> GetAsync(ResourceKey service, long number, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_revisions.TryGetValue(service, out var revisions) ? revisions.Find(revision => revision.Number == number) : null);
        }
    }

    public Task DeleteAllAsync(ResourceKey service, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _revisions.Remove(service);
            _lastNumbers.Remove(service);
            return Task.CompletedTask;
        }
    }
}
