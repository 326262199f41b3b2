using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Policy;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>Tunables of the planner. Defaults follow Nomad's healthy_deadline and short polls while work is under way.</summary>
public sealed record PlannerSettings
{
    /// <summary>How long a new replica of a rollout may take to become healthy before the rollout is stopped.</summary>
    public TimeSpan RolloutDeadline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Look again this soon while replicas are starting, being created or removed.</summary>
    public TimeSpan ProgressRequeue { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Look again this soon while waiting for dependsOn services.</summary>
    public TimeSpan DependencyRequeue { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Look again this soon while degraded (events and spec changes also wake the resource up).</summary>
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

/// <summary>Everything the planner needs about one resource, all read beforehand: the planner does no I/O.</summary>
public sealed record PlanInput
{
    public required ServiceSpec Service { get; init; }

    /// <summary>SpecHasher's hash of Service.Spec; replicas labelled with another hash are stale.</summary>
    public required string SpecHash { get; init; }

    /// <summary>The containers labelled as this resource's, in any state.</summary>
    public required IReadOnlyList<ObservedContainer> Observed { get; init; }

    /// <summary>Names of dependsOn services that are not Running; creation waits while any is listed.</summary>
    public IReadOnlyCollection<string> UnreadyDependencies { get; init; } = [];

    public required DateTimeOffset Now { get; init; }

    /// <summary>Labels added to every created container (e.g. zpm.owner for integration children).</summary>
    public IReadOnlyDictionary<string, string> ExtraLabels { get; init; } = new Dictionary<string, string>();
}
