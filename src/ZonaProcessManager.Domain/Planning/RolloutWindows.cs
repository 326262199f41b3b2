using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>
/// How long a new replica of a single-host rollout is watched, measured from its start (Docker Swarm's monitor semantics:
/// failures within monitorSeconds after a task's update count).
/// <list type="bullet">
/// <item><b>Verdict time</b>: the longest its health check can take to say healthy or unhealthy:
/// startPeriod + (retries + 1) × (interval + timeout) — the first probe comes one interval after the start, failures in
/// the start period do not count, and `retries` failed probes in a row are needed. 0 without a health check (running
/// is ready).</item>
/// <item><b>Ready deadline</b>: a replica still starting after it is not on its way: the verdict time with a health
/// check (a healthy-but-slow service gets all the time its own check allows, an unhealthy one is caught as soon as the
/// check says so), <see cref="PlannerSettings.RolloutDeadline"/> without one (only a replica that never starts runs
/// into it).</item>
/// <item><b>Monitor window</b>: monitorSeconds + the verdict time. A replica that is unhealthy or paused within it, that exited or died
/// after a run that short, or that Docker is restarting after an exit within it, fails the rollout; later failures are repaired as in a steady state.</item>
/// <item><b>Available</b>: ready and started at least monitorSeconds ago (Kubernetes' minReadySeconds). Only an
/// available replica lets the next batch start and, with start-first, lets an old replica go; so the old replicas keep
/// serving until the new ones have survived their monitor window.</item>
/// </list>
/// </summary>
public static class RolloutWindows
{
    public static TimeSpan VerdictTime(HealthCheckSpec? check) => check is null
        ? TimeSpan.Zero
        : TimeSpan.FromSeconds(Math.Max(0, check.StartPeriodSeconds)
            + (Math.Max(1, check.Retries) + 1) * (Math.Max(1, check.IntervalSeconds) + Math.Max(1, check.TimeoutSeconds)));

    public static TimeSpan ReadyDeadline(HealthCheckSpec? check, PlannerSettings settings) =>
        check is null ? settings.RolloutDeadline : VerdictTime(check);

    public static TimeSpan Monitor(int monitorSeconds) => TimeSpan.FromSeconds(Math.Max(0, monitorSeconds));

    public static TimeSpan MonitorWindow(HealthCheckSpec? check, int monitorSeconds) => Monitor(monitorSeconds) + VerdictTime(check);
}
