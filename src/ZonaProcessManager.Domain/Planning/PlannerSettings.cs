using ZonaProcessManager.Domain.Policy;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>
/// Tunables of the planner. The defaults here are the production ones and are defined only here: the operator's
/// OperatorSettings exposes RolloutDeadline, ProgressRequeue and DependencyRequeue under its own names with these values
/// as defaults, so a planner built with <c>new PlannerSettings()</c> (tests, benchmarks) behaves as the operator's does.
/// </summary>
public sealed record PlannerSettings
{
    /// <summary>The production settings: every property at its default.</summary>
    public static PlannerSettings Default { get; } = new();

    /// <summary>
    /// How long a new replica of a rollout may take to become healthy before the rollout stops, the old replicas are
    /// kept and the resource goes Degraded. Default 60 seconds.
    /// </summary>
    public TimeSpan RolloutDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// While replicas are starting, being created or removed, the resource is looked at again after this long even
    /// without any event. Default 10 seconds: Docker's start, health_status and die events are what wake a progressing
    /// resource; this is only the safety net for a missed event (and bounds how late a stalled rollout is noticed). Each
    /// look lists and inspects the resource's containers, so a short interval with hundreds of services starting loads
    /// dockerd exactly when it is busiest.
    /// </summary>
    public TimeSpan ProgressRequeue { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>While waiting for dependsOn services to run, the resource is looked at again after this long. Default 5 seconds.</summary>
    public TimeSpan DependencyRequeue { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Look again this soon while degraded (events and spec changes also wake the resource up). Default 30 seconds.</summary>
    public TimeSpan DegradedRequeue { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Host paths, host IPs and networks a spec may use; a spec that breaks it is invalid. Default-deny.</summary>
    public IsolationPolicy Isolation { get; init; } = IsolationPolicy.Default;

    /// <summary>
    /// A replica restarted before whose last run ended sooner than this after it started, and that is being restarted
    /// again (by Docker's restart policy or by the plan), is crash-looping. Docker's own restart backoff resets after
    /// 10 s of running.
    /// </summary>
    public TimeSpan CrashLoopWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most replicas one plan creates; the rest come in the next passes (a plan that created something is looked at
    /// again at once). Kubernetes' ReplicaSet controller caps its bursts the same way (500). Default 50: at the ~0.5-0.8 s
    /// a create and start takes on a busy host, one pass stays well inside the operator's reconcile deadline, and a plan
    /// never holds one action per desired replica whatever replicas says.
    /// </summary>
    public int MaxCreatesPerPass { get; init; } = 50;
}
