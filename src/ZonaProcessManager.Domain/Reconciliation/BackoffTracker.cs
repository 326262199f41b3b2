namespace ZonaProcessManager.Domain.Reconciliation;

/// <summary>
/// Failure counts per key for one work queue (not shared, not static): a failure lengthens that key's next delay,
/// a success resets it, and other keys are unaffected.
/// </summary>
public sealed class BackoffTracker<TKey>(BackoffPolicy policy, Random random)
    where TKey : notnull
{
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly Lock _gate = new();

    public TimeSpan RecordFailure(TKey key)
    {
        lock (_gate)
        {
            var attempt = _failures.GetValueOrDefault(key) + 1;
            _failures[key] = attempt;
            return policy.Delay(attempt, random);
        }
    }

    public void RecordSuccess(TKey key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    public int Failures(TKey key)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(key);
        }
    }
}
