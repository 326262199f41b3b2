using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Workloads;

/// <summary>
/// Which container ids each owner has, as the engine's event stream and the last full list tell, so that observing one
/// service inspects its own containers by id instead of listing: a list makes dockerd walk every container it holds
/// (0.15 ms each on this machine), whatever the reconcile is about. Kept in the manner of an informer's cache: a full list
/// taken while an event stream is followed primes it; start events add ids, destroy events and inspections that no
/// longer find an id take them out. It answers only while it is primed for the stream being followed: before the
/// first such list, and from the moment a stream ends or a new one starts until the next full list, the caller lists.
/// What it cannot see is a container someone else created and never started; the next full list adds it.
/// </summary>
public sealed class OwnedContainerIndex
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceKey, HashSet<string>> _idsByOwner = [];
    // Owners whose last apply failed: a name conflict there means a container the index missed, so they are listed.
    private readonly HashSet<ResourceKey> _doubtful = [];
    private int _streams;
    private long _streamEpoch;
    private long _primedEpoch = -1;

    /// <summary>An event stream is being followed from now on.</summary>
    public void StreamStarted()
    {
        lock (_gate)
        {
            _streams++;
            _streamEpoch++;
        }
    }

    /// <summary>An event stream ended: what happens until the next full list may go unseen.</summary>
    public void StreamStopped()
    {
        lock (_gate)
        {
            _streams--;
            _streamEpoch++;
        }
    }

    /// <summary>Call before a full list; pass the result to <see cref="CompleteFullList"/>.</summary>
    public long BeginFullList()
    {
        lock (_gate)
        {
            return _streams > 0 ? _streamEpoch : -1;
        }
    }

    /// <summary>
    /// Adds what a full list begun at <paramref name="epoch"/> found; primes the index if the same event stream was
    /// followed all along. Ids the list missed are not dropped here: they may have started after the list's snapshot,
    /// and an inspection drops the ones that are gone.
    /// </summary>
    public void CompleteFullList(long epoch, IEnumerable<ObservedContainer> containers)
    {
        lock (_gate)
        {
            foreach (var container in containers)
            {
                AddLocked(container.Owner, container.Id);
            }

            _doubtful.Clear();
            if (epoch >= 0 && epoch == _streamEpoch && _streams > 0)
            {
                _primedEpoch = epoch;
            }
        }
    }

    /// <summary>The ids known for <paramref name="owner"/> (possibly none), or null when the index is not primed for the stream followed now.</summary>
    public IReadOnlyCollection<string>? KnownIds(ResourceKey owner)
    {
        lock (_gate)
        {
            if (_streams == 0 || _primedEpoch != _streamEpoch || _doubtful.Contains(owner))
            {
                return null;
            }

            return _idsByOwner.TryGetValue(owner, out var ids) ? [.. ids] : [];
        }
    }

    public void Seen(ContainerEvent containerEvent)
    {
        lock (_gate)
        {
            switch (containerEvent.Action)
            {
                case "start":
                    AddLocked(containerEvent.Owner, containerEvent.ContainerId);
                    break;
                case "destroy":
                    RemoveLocked(containerEvent.Owner, containerEvent.ContainerId);
                    break;
            }
        }
    }

    /// <summary>Containers the operator itself created (their start events may come later).</summary>
    public void Added(ResourceKey owner, IEnumerable<string> ids)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                AddLocked(owner, id);
            }
        }
    }

    /// <summary>
    /// What one owner's list or inspection found: <paramref name="found"/> are added, and ids that were
    /// <paramref name="asked"/> about but not found are gone. An owner listed in full is no longer in doubt.
    /// </summary>
    public void Observed(ResourceKey owner, IReadOnlyCollection<string> asked, IReadOnlyList<ObservedContainer> found, bool listed)
    {
        lock (_gate)
        {
            foreach (var container in found)
            {
                AddLocked(owner, container.Id);
            }

            foreach (var id in asked.Except(found.Select(c => c.Id), StringComparer.Ordinal))
            {
                RemoveLocked(owner, id);
            }

            if (listed)
            {
                _doubtful.Remove(owner);
            }
        }
    }

    /// <summary>An apply for <paramref name="owner"/> failed: list it next time, in case the index missed a container.</summary>
    public void Doubt(ResourceKey owner)
    {
        lock (_gate)
        {
            _doubtful.Add(owner);
        }
    }

    private void AddLocked(ResourceKey owner, string id)
    {
        if (!_idsByOwner.TryGetValue(owner, out var ids))
        {
            _idsByOwner[owner] = ids = new HashSet<string>(StringComparer.Ordinal);
        }

        ids.Add(id);
    }

    private void RemoveLocked(ResourceKey owner, string id)
    {
        if (_idsByOwner.TryGetValue(owner, out var ids) && ids.Remove(id) && ids.Count == 0)
        {
            _idsByOwner.Remove(owner);
        }
    }
}
