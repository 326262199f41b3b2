namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Docker "start" events the operator causes itself (the "expectations" of client-go's ReplicaSet controller), by
/// container name, registered before the start: the event can arrive while the reconcile that started the container is
/// still running. That reconcile lists the container after starting it, so the event brings nothing new; acting on it
/// would cost one more reconcile (a list and an inspect per replica) per container, at the moment Docker is busiest.
/// Every other event (die, health_status, stop, a start somebody else caused) still wakes the owner. Entries expire, so
/// an event that never comes leaves nothing behind.
/// </summary>
public sealed class ExpectedContainerStarts(TimeProvider time)
{
    /// <summary>Far longer than Docker takes to deliver an event, short enough that a lost one is forgotten soon.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    // Guards the dictionary; held only for dictionary bookkeeping, never across an await.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _expiresAt = new(StringComparer.Ordinal);

    public void Expect(params IEnumerable<string> containerNames)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var expired in _expiresAt.Where(entry => entry.Value <= now).Select(entry => entry.Key).ToList())
            {
                _expiresAt.Remove(expired);
            }

            foreach (var name in containerNames)
            {
                _expiresAt[name] = now + Lifetime;
            }
        }
    }

    /// <summary>The start did not happen (create or start failed): a later start of that name is news again.</summary>
    public void Forget(string containerName)
    {
        lock (_gate)
        {
            _expiresAt.Remove(containerName);
        }
    }

    /// <summary>True (once) when this start was expected: the caller may skip it.</summary>
    public bool TryConsume(string containerName)
    {
        lock (_gate)
        {
            return _expiresAt.Remove(containerName, out var expiresAt) && expiresAt > time.GetUtcNow();
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _expiresAt.Count;
            }
        }
    }
}
