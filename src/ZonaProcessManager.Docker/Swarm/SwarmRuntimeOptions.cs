using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>Tunables of <see cref="SwarmWorkloadRuntime"/>; the defaults follow Docker's own where one exists.</summary>
public sealed record SwarmRuntimeOptions
{
    /// <summary>Time a task gets between SIGTERM and SIGKILL when Swarm stops it (Docker's default is 10 s).</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether tenant overlay networks encrypt their VXLAN traffic between nodes (IPsec, Docker's
    /// <c>--opt encrypted</c>). Default false: the lab's nodes share one host, and encryption costs throughput.
    /// </summary>
    public bool EncryptedTenantNetworks { get; init; }

    /// <summary>
    /// How host ports are published. Default <see cref="SwarmPublishMode.Host"/>: the routing mesh needs IPVS, which
    /// not every kernel has.
    /// </summary>
    public SwarmPublishMode PublishMode { get; init; } = SwarmPublishMode.Host;

    /// <summary>
    /// Deadline of every Docker call but the event stream (which is long-lived and reconnects when it breaks); missing
    /// it is ContainerRuntimeException kind Unavailable. Default 30 s, as for the single-host runtime.
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the task list is read to notice task changes on other nodes, whose container events the manager's
    /// event stream never carries. One list call for every service each time. Default 5 s.
    /// </summary>
    public TimeSpan TaskPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before reconnecting the event stream after it broke; doubles up to <see cref="EventReconnectMaxDelay"/>.</summary>
    public TimeSpan EventReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan EventReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The planner's settings (isolation policy, requeue intervals, the rollout deadline after which tasks that still do
    /// not run make the service Degraded). Default <see cref="PlannerSettings.Default"/>; a host passes the operator's.
    /// </summary>
    public PlannerSettings Planning { get; init; } = PlannerSettings.Default;

    /// <summary>How often an update that lost a race with another change of the service is tried again at once. Default 3.</summary>
    public int UpdateConflictRetries { get; init; } = 3;
}
