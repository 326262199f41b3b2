namespace ZonaProcessManager.Domain.Reconciliation;

/// <summary>
/// The delays of one retrying loop (a reconnect, a restarted background loop): each failure waits the policy's next
/// delay, <see cref="Reset"/> after a success starts over. One loop owns it; it is not thread-safe.
/// </summary>
public sealed class BackoffSequence(BackoffPolicy policy, Func<double> unitRandom)
{
    private int _failures;

    /// <summary>Without jitter: each step waits the policy's full delay.</summary>
    public BackoffSequence(BackoffPolicy policy)
        : this(policy, () => 0)
    {
    }

    /// <summary>The delay before the next attempt; each call counts one more failure.</summary>
    public TimeSpan Next() => policy.Delay(++_failures, unitRandom());

    public void Reset() => _failures = 0;
}
