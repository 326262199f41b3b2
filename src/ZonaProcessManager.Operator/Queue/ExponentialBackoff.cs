namespace ZonaProcessManager.Operator.Queue;

/// <summary>
/// Retry delay for the n-th consecutive failure of one key: <c>initial · 2^(n-1)</c> capped at <c>max</c>, plus up to
/// <c>jitter</c> of it at random so that keys failing together spread out; the result never exceeds <c>max</c>.
/// </summary>
public sealed class ExponentialBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly double _jitter;
    private readonly Func<double> _nextUnitRandom;

    /// <param name="nextUnitRandom">Returns a value in [0, 1); tests pass a fixed one.</param>
    public ExponentialBackoff(TimeSpan initial, TimeSpan max, double jitter, Func<double> nextUnitRandom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        ArgumentOutOfRangeException.ThrowIfNegative(jitter);
        _initial = initial;
        _max = max;
        _jitter = jitter;
        _nextUnitRandom = nextUnitRandom;
    }

    public TimeSpan DelayFor(int consecutiveFailures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consecutiveFailures, 1);
        // Past 2^30 the doubling is far above any sane max; clamping the exponent avoids overflow.
        var exponent = Math.Min(consecutiveFailures - 1, 30);
        var baseTicks = Math.Min((double)_initial.Ticks * Math.Pow(2, exponent), _max.Ticks);
        var withJitter = baseTicks * (1 + (_jitter * _nextUnitRandom()));
        return TimeSpan.FromTicks((long)Math.Min(withJitter, _max.Ticks));
    }
}
