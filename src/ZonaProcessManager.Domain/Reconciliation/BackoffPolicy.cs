namespace ZonaProcessManager.Domain.Reconciliation;

/// <summary>
/// Exponential backoff with jitter: Initial, doubling per attempt, capped at Max, and shortened by up to Jitter (a
/// fraction) at random so that resources failing together do not retry together. The one backoff of the operator: the
/// work queue's failed reconciles (<see cref="BackoffTracker{TKey}"/>), the change-stream and Docker-event reconnects
/// and the restarts of background loops (<see cref="BackoffSequence"/>).
/// </summary>
/// <remarks>
/// Not Polly: its retry strategy wraps one call and awaits the delay itself, while the work queue needs a delay per key
/// to put on its own timer, and the reconnects retry inside async iterators that yield between attempts (a retry
/// pipeline cannot wrap a yield). What all of them need is "attempt n → delay", which is this pure function.
/// </remarks>
public sealed record BackoffPolicy
{
    public BackoffPolicy(TimeSpan initial, TimeSpan max, double jitter = 0.2)
    {
        if (initial <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(initial), initial, "The first delay must be positive.");
        }

        if (max < initial)
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, "The cap must not be below the first delay.");
        }

        if (jitter is < 0 or >= 1 || double.IsNaN(jitter))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "Jitter is a fraction in [0, 1).");
        }

        Initial = initial;
        Max = max;
        Jitter = jitter;
    }

    /// <summary>
    /// Retries of a failed reconcile: 1 s doubling to 5 min, up to 20 % shorter at random. The operator's defaults
    /// (OperatorSettings.BackoffInitial, BackoffMax, BackoffJitter).
    /// </summary>
    public static BackoffPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    /// <summary>
    /// Restarts of a failed background loop and reconnects of a broken change stream: 800 ms doubling to 30 s
    /// (client-go's reflector values). The defaults of OperatorSettings.LoopRetryInitial and LoopRetryMax and of the
    /// MongoDB watcher's own options.
    /// </summary>
    public static BackoffPolicy LoopRetry { get; } = new(TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(30), jitter: 0);

    public TimeSpan Initial { get; }

    public TimeSpan Max { get; }

    public double Jitter { get; }

    /// <summary>Delay before retry number <paramref name="attempt"/> (1 = after the first failure).</summary>
    public TimeSpan Delay(int attempt, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Delay(attempt, random.NextDouble());
    }

    /// <param name="unitRandom">A random number in [0, 1).</param>
    public TimeSpan Delay(int attempt, double unitRandom)
    {
        var exponent = Math.Clamp(attempt, 1, 64) - 1;
        var uncapped = Initial.TotalMilliseconds * Math.Pow(2, exponent);
        var capped = Math.Min(uncapped, Max.TotalMilliseconds);
        var factor = 1 - (Jitter * Math.Clamp(unitRandom, 0, 1));
        return TimeSpan.FromMilliseconds(capped * factor);
    }
}
