using ZonaProcessManager.Operator.Queue;

namespace ZonaProcessManager.Operator.Tests.Queue;

public sealed class ExponentialBackoffTests
{
    [Fact]
    public void Delay_doubles_from_one_second_and_stops_at_five_minutes()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), 0.1, () => 0);

        Assert.Equal(TimeSpan.FromSeconds(1), backoff.DelayFor(1));
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.DelayFor(2));
        Assert.Equal(TimeSpan.FromSeconds(256), backoff.DelayFor(9));
        Assert.Equal(TimeSpan.FromMinutes(5), backoff.DelayFor(10));
        Assert.Equal(TimeSpan.FromMinutes(5), backoff.DelayFor(int.MaxValue));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void Jitter_adds_at_most_its_fraction_and_never_passes_the_cap(double random)
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), 0.1, () => random);

        for (var failures = 1; failures <= 12; failures++)
        {
            var baseDelay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, failures - 1), 300));
            var delay = backoff.DelayFor(failures);
            Assert.InRange(delay, baseDelay, baseDelay * 1.1);
            Assert.True(delay <= TimeSpan.FromMinutes(5));
        }
    }
}
