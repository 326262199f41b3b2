using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Probing;

/// <summary>
/// One replica's health as the operator's probes judge it, by Docker's rules for health checks: starting until the first
/// success or until <see cref="OperatorProbe.Retries"/> consecutive failures; healthy on any success (the failing streak
/// starts again from 0); unhealthy after that many consecutive failures. Failures of a replica that was never healthy
/// do not count while it is within its start period (measured from its start to the probe's start), so a slow starter
/// is not marked unhealthy; once it succeeded, every failure counts. A restart of the container begins a new state.
/// </summary>
public sealed record ProbeState
{
    public static ProbeState Initial { get; } = new();

    /// <summary>
    /// A replica found running longer than one interval (the operator restarted or took over) whose verdict was
    /// never seen by this operator: healthy until its probes say otherwise, as Docker keeps its verdict while the
    /// operator is away. Its failures count at once, so a replica that really fails is unhealthy after retries probes.
    /// </summary>
    public static ProbeState PresumedHealthy { get; } = new() { Health = ContainerHealth.Healthy };

    public ContainerHealth Health { get; init; } = ContainerHealth.Starting;

    /// <summary>Consecutive failures that counted (Docker's FailingStreak).</summary>
    public int FailingStreak { get; init; }

    /// <summary>What the last failed probe found; null once one succeeds.</summary>
    public string? LastFailure { get; init; }

    /// <summary>
    /// The state after <paramref name="result"/> of a probe that began at <paramref name="probeStartedAt"/> on a replica
    /// that started at <paramref name="replicaStartedAt"/> (unknown: the start period is over).
    /// </summary>
    public ProbeState Record(ProbeResult result, OperatorProbe probe, DateTimeOffset probeStartedAt, DateTimeOffset? replicaStartedAt)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(probe);
        if (result.Succeeded)
        {
            return new ProbeState { Health = ContainerHealth.Healthy };
        }

        var withinStartPeriod = Health == ContainerHealth.Starting
            && replicaStartedAt is { } started
            && probeStartedAt - started < probe.StartPeriod;
        if (withinStartPeriod)
        {
            return this with { LastFailure = result.Failure };
        }

        var streak = FailingStreak + 1;
        return new ProbeState
        {
            Health = streak >= probe.Retries ? ContainerHealth.Unhealthy : Health,
            FailingStreak = streak,
            LastFailure = result.Failure,
        };
    }
}
