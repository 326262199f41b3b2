using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Probing;
using ZonaProcessManager.Testing.Time;

namespace ZonaProcessManager.Domain.Tests.Probing;

/// <summary>The operator's probes judge health by Docker's rules; each test walks one replica's probes on a manual clock.</summary>
public sealed class ProbeStateTests
{
    private static readonly ProbeResult Refused = ProbeResult.Failed("connection refused");

    private readonly ManualTimeProvider _clock = new();

    private static OperatorProbe Probe(int retries = 3, int startPeriodSeconds = 0) => OperatorProbe.For(new HealthCheckSpec
    {
        Http = new HttpProbe(8080, "/healthz"),
        IntervalSeconds = 5,
        TimeoutSeconds = 1,
        Retries = retries,
        StartPeriodSeconds = startPeriodSeconds,
    })!;

    /// <summary>Runs one probe per interval from the replica's start, returning the state after each.</summary>
    private List<ProbeState> Run(OperatorProbe probe, params ProbeResult[] results)
    {
        var started = _clock.GetUtcNow();
        var state = ProbeState.Initial;
        var states = new List<ProbeState>();
        foreach (var result in results)
        {
            _clock.Advance(probe.Interval);
            state = state.Record(result, probe, _clock.GetUtcNow(), started);
            states.Add(state);
        }

        return states;
    }

    [Fact]
    public void A_new_replica_is_starting_until_its_first_probe()
    {
        Assert.Equal(ContainerHealth.Starting, ProbeState.Initial.Health);
        Assert.Equal(0, ProbeState.Initial.FailingStreak);
    }

    [Fact]
    public void The_first_success_makes_it_healthy()
    {
        var states = Run(Probe(), Refused, ProbeResult.Success);

        Assert.Equal(ContainerHealth.Starting, states[0].Health);
        Assert.Equal(ContainerHealth.Healthy, states[1].Health);
        Assert.Equal(0, states[1].FailingStreak);
        Assert.Null(states[1].LastFailure);
    }

    [Fact]
    public void It_becomes_unhealthy_only_at_the_retries_th_consecutive_failure()
    {
        var states = Run(Probe(retries: 3), ProbeResult.Success, Refused, Refused, Refused);

        Assert.Equal(
            [ContainerHealth.Healthy, ContainerHealth.Healthy, ContainerHealth.Healthy, ContainerHealth.Unhealthy],
            states.Select(s => s.Health));
        Assert.Equal(3, states[3].FailingStreak);
        Assert.Equal("connection refused", states[3].LastFailure);
    }

    [Fact]
    public void A_success_between_failures_starts_the_streak_again()
    {
        var states = Run(Probe(retries: 2), ProbeResult.Success, Refused, ProbeResult.Success, Refused);

        Assert.All(states, s => Assert.Equal(ContainerHealth.Healthy, s.Health));
        Assert.Equal(1, states[3].FailingStreak);
    }

    [Fact]
    public void A_replica_that_never_succeeds_becomes_unhealthy_from_starting()
    {
        var states = Run(Probe(retries: 2), Refused, Refused);

        Assert.Equal([ContainerHealth.Starting, ContainerHealth.Unhealthy], states.Select(s => s.Health));
    }

    [Fact]
    public void An_unhealthy_replica_is_healthy_again_on_one_success()
    {
        var states = Run(Probe(retries: 1), ProbeResult.Success, Refused, ProbeResult.Success);

        Assert.Equal([ContainerHealth.Healthy, ContainerHealth.Unhealthy, ContainerHealth.Healthy], states.Select(s => s.Health));
    }

    [Fact]
    public void Failures_within_the_start_period_do_not_count()
    {
        // Interval 5 s, start period 12 s: the probes at 5 s and 10 s fall inside it, the one at 15 s does not.
        var states = Run(Probe(retries: 1, startPeriodSeconds: 12), Refused, Refused, Refused);

        Assert.Equal([ContainerHealth.Starting, ContainerHealth.Starting, ContainerHealth.Unhealthy], states.Select(s => s.Health));
        Assert.Equal([0, 0, 1], states.Select(s => s.FailingStreak));
        Assert.Equal("connection refused", states[0].LastFailure);
    }

    [Fact]
    public void After_a_success_inside_the_start_period_every_failure_counts()
    {
        var states = Run(Probe(retries: 1, startPeriodSeconds: 60), ProbeResult.Success, Refused);

        Assert.Equal([ContainerHealth.Healthy, ContainerHealth.Unhealthy], states.Select(s => s.Health));
    }

    [Fact]
    public void A_replica_whose_start_is_unknown_has_no_start_period()
    {
        var probe = Probe(retries: 1, startPeriodSeconds: 60);

        var state = ProbeState.Initial.Record(Refused, probe, _clock.GetUtcNow(), replicaStartedAt: null);

        Assert.Equal(ContainerHealth.Unhealthy, state.Health);
    }
}
