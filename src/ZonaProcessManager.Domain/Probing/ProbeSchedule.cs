namespace ZonaProcessManager.Domain.Probing;

/// <summary>When a replica's probes run: as Docker runs health checks, one interval after the start and then one interval after each probe ends.</summary>
public static class ProbeSchedule
{
    /// <summary>
    /// The first probe of a replica the prober begins to follow at <paramref name="now"/>. A replica that started less
    /// than an interval ago is probed an interval after its start, as Docker would. One that has run longer (found when
    /// the operator starts or takes over) is probed at a point <paramref name="spread"/> (in [0, 1)) of an interval
    /// from now: a thousand replicas found at once then spread over the interval instead of being probed together.
    /// </summary>
    public static DateTimeOffset FirstProbe(DateTimeOffset? replicaStartedAt, DateTimeOffset now, TimeSpan interval, double spread)
    {
        if (spread is < 0 or >= 1 || double.IsNaN(spread))
        {
            throw new ArgumentOutOfRangeException(nameof(spread), spread, "must be in [0, 1)");
        }

        if (replicaStartedAt is { } started && started + interval > now)
        {
            return started + interval;
        }

        return now + (interval * spread);
    }

    /// <summary>The probe after one that ended at <paramref name="probeEndedAt"/>.</summary>
    public static DateTimeOffset NextProbe(DateTimeOffset probeEndedAt, TimeSpan interval) => probeEndedAt + interval;
}
