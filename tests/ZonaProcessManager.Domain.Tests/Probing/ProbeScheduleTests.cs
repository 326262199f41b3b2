using ZonaProcessManager.Domain.Probing;
using ZonaProcessManager.Testing.Time;

namespace ZonaProcessManager.Domain.Tests.Probing;

public sealed class ProbeScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public void A_replica_that_just_started_is_first_probed_one_interval_after_its_start_as_docker_does()
    {
        var started = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(started + Interval, ProbeSchedule.FirstProbe(started, _clock.GetUtcNow(), Interval, spread: 0.9));
    }

    [Fact]
    public void Replicas_found_long_after_their_start_spread_over_one_interval()
    {
        var started = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMinutes(10));
        var now = _clock.GetUtcNow();

        Assert.Equal(now, ProbeSchedule.FirstProbe(started, now, Interval, spread: 0));
        Assert.Equal(now + TimeSpan.FromSeconds(2.5), ProbeSchedule.FirstProbe(started, now, Interval, spread: 0.5));
        Assert.Equal(now + TimeSpan.FromSeconds(2.5), ProbeSchedule.FirstProbe(replicaStartedAt: null, now, Interval, spread: 0.5));
    }

    [Fact]
    public void The_next_probe_is_one_interval_after_the_last_one_ended()
    {
        var ended = _clock.GetUtcNow();

        Assert.Equal(ended + Interval, ProbeSchedule.NextProbe(ended, Interval));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_spread_outside_zero_to_one_is_refused(double spread) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbeSchedule.FirstProbe(null, _clock.GetUtcNow(), Interval, spread));
}
