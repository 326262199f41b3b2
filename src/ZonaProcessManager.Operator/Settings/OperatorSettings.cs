using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Policy;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Settings;

/// <summary>
/// Everything the operator host can be tuned with. Built once (by the CLI or a test) and never mutated afterwards;
/// every component reads the same instance. Each default is documented on its property.
/// </summary>
public sealed record OperatorSettings
{
    /// <summary>MongoDB connection string. Default <c>mongodb://127.0.0.1:27017/?directConnection=true</c>.</summary>
    public string MongoConnectionString { get; init; } = "mongodb://127.0.0.1:27017/?directConnection=true";

    /// <summary>Database holding the services, events and operator_state collections. Default <c>zpm</c>.</summary>
    public string Database { get; init; } = "zpm";

    /// <summary>Docker Engine endpoint; null means the platform default (<c>unix:///var/run/docker.sock</c>).</summary>
    public Uri? DockerEndpoint { get; init; }

    /// <summary>
    /// When set, the operator manages only resources (and containers) of these tenants and leaves every other zpm container
    /// on the Docker host alone; null (the default) manages all tenants. Lets several operators (or test runs) share one
    /// Docker Engine without removing each other's containers as orphans.
    /// </summary>
    public IReadOnlySet<string>? Tenants { get; init; }

    /// <summary>Whether <paramref name="tenant"/> is this operator's to manage (see <see cref="Tenants"/>).</summary>
    public bool Manages(string tenant) => Tenants is null || Tenants.Contains(tenant);

    /// <summary>
    /// Host ports handed out to integrations' named ports. Default 20000-29999. Operators sharing one MongoDB
    /// must use the same range or ranges that do not overlap; the unique index on port_allocations.port keeps them honest either way.
    /// </summary>
    public PortRange IntegrationPorts { get; init; } = PortRange.Default;

    /// <summary>
    /// How soon an integration that could not get a host port (range exhausted) or a tenant being offboarded is looked
    /// at again. Default 2 seconds.
    /// </summary>
    public TimeSpan IntegrationRequeueInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a release that is rolling (or rolling back) looks at its services again: service status writes are
    /// the operator's own and wake no one, so a release follows them by looking. Default 2 seconds.
    /// </summary>
    public TimeSpan ReleaseRequeueInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many different resources of one kind may reconcile at once: each controller (services, integrations, tenants,
    /// catalog) has its own queue with this many workers, so at most this many services create containers at once. Default
    /// 4 (one key is never reconciled twice at once).
    /// </summary>
    public int MaxParallelReconciles { get; init; } = 4;

    /// <summary>Every this often every known resource is enqueued again, to repair missed events. Default 5 minutes.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// First retry delay after a failed reconcile, doubling per consecutive failure. Default
    /// <see cref="BackoffPolicy.Default"/>'s (1 second).
    /// </summary>
    public TimeSpan BackoffInitial { get; init; } = BackoffPolicy.Default.Initial;

    /// <summary>
    /// Upper bound of the retry delay after failed reconciles. Failed keys are never dropped. Default
    /// <see cref="BackoffPolicy.Default"/>'s (5 minutes).
    /// </summary>
    public TimeSpan BackoffMax { get; init; } = BackoffPolicy.Default.Max;

    /// <summary>
    /// Random spread taken off each backoff delay, as a fraction of it (0.2 = up to 20 % shorter), so that many resources
    /// failing together do not retry in lock-step. Default <see cref="BackoffPolicy.Default"/>'s (0.2).
    /// </summary>
    public double BackoffJitter { get; init; } = BackoffPolicy.Default.Jitter;

    /// <summary>
    /// How long a new replica of a rollout may take to become healthy before the rollout stops, the old replicas are kept
    /// and the resource goes Degraded. The planner's <see cref="PlannerSettings.RolloutDeadline"/>; default its default
    /// (60 seconds).
    /// </summary>
    public TimeSpan RolloutHealthDeadline { get; init; } = PlannerSettings.Default.RolloutDeadline;

    /// <summary>Grace period Docker gives a container between SIGTERM and SIGKILL when it is removed. Default 10 seconds.</summary>
    public TimeSpan DockerStopGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// While a resource is progressing (containers starting, waiting for health) it is looked at again after this long even
    /// without any event. The planner's <see cref="PlannerSettings.ProgressRequeue"/>, which says why; default its
    /// default (10 seconds).
    /// </summary>
    public TimeSpan ProgressRequeueInterval { get; init; } = PlannerSettings.Default.ProgressRequeue;

    /// <summary>
    /// While a resource waits for its dependsOn services to run it is looked at again after this long. The planner's
    /// <see cref="PlannerSettings.DependencyRequeue"/>; default its default (5 seconds).
    /// </summary>
    public TimeSpan DependencyRequeueInterval { get; init; } = PlannerSettings.Default.DependencyRequeue;

    /// <summary>
    /// First delay before a background loop (watch, Docker events) that failed is restarted, doubling up to
    /// <see cref="LoopRetryMax"/>. Default <see cref="BackoffPolicy.LoopRetry"/>'s (800 ms).
    /// </summary>
    public TimeSpan LoopRetryInitial { get; init; } = BackoffPolicy.LoopRetry.Initial;

    /// <summary>Upper bound of the restart delay of a failed background loop. Default <see cref="BackoffPolicy.LoopRetry"/>'s (30 seconds).</summary>
    public TimeSpan LoopRetryMax { get; init; } = BackoffPolicy.LoopRetry.Max;

    /// <summary>
    /// The longest one reconcile may run. When it is up the reconcile is cancelled, logged, recorded as a
    /// ReconcileTimeout event and retried with backoff, and its worker takes the next key. Default 2 minutes: a
    /// reconcile creates at most 50 containers (the planner's MaxCreatesPerPass), well under a minute even on a busy
    /// host, so anything longer is stuck (an engine or store that stopped answering), not slow.
    /// </summary>
    public TimeSpan ReconcileTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// While the container engine does not answer, how often the operator lists it again (a resync pass) to notice it is
    /// back and put every service's status right. Default 5 seconds: one cheap call, only during an outage.
    /// </summary>
    public TimeSpan RuntimeProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long shutdown waits for in-flight reconciles to finish. Default 15 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Host paths and host IPs specs may use (<c>--allow-host-path</c>, <c>--allow-host-ip</c>). Default: none besides
    /// 127.0.0.1; a spec asking for more is Degraded and gets no container.
    /// </summary>
    public IsolationPolicy Isolation { get; init; } = IsolationPolicy.Default;

    /// <summary>
    /// The leader election between instances sharing one database (lease, renew deadline, retry period, role). Default
    /// <see cref="LeaderElectionSettings.Default"/>; used by hosts that register a shared election (`zpm run`).
    /// </summary>
    public LeaderElectionSettings LeaderElection { get; init; } = LeaderElectionSettings.Default;

    /// <summary>
    /// The HTTP endpoints (health probes, metrics, dashboard) and where they listen. Default
    /// <see cref="HttpSettings.Off"/>: a host built in-process serves nothing unless asked; `zpm run` serves on
    /// <see cref="HttpSettings.DefaultEndpoint"/> unless --http says otherwise.
    /// </summary>
    public HttpSettings Http { get; init; } = HttpSettings.Off;

    /// <summary>The web dashboard: read-only by default (<see cref="DashboardSettings"/>).</summary>
    public DashboardSettings Dashboard { get; init; } = new();

    /// <summary>
    /// Who runs http and tcp health checks on the single-host backend, and how many probes run at once (`--probe-mode`).
    /// Default <see cref="ProbeSettings.Default"/>: the operator probes from the host. Swarm tasks keep Docker's checks.
    /// </summary>
    public ProbeSettings Probes { get; init; } = ProbeSettings.Default;

    /// <summary>
    /// How many revisions of each ServiceSpec are kept (`zpm rollout history`, undo and automatic rollback reach only
    /// these). Default 10, as a Kubernetes Deployment's revisionHistoryLimit.
    /// </summary>
    public int RevisionHistoryLimit { get; init; } = 10;

    /// <summary>Console log format. Default <see cref="Settings.LogFormat.Pretty"/>.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Pretty;

    /// <summary>When true, debug-level lines (every reconcile's timing) are written too. Default false.</summary>
    public bool VerboseLogging { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public OperatorSettings Validate()
    {
        Require(!string.IsNullOrWhiteSpace(MongoConnectionString), nameof(MongoConnectionString), "must not be empty");
        Require(!string.IsNullOrWhiteSpace(Database), nameof(Database), "must not be empty");
        Require(MaxParallelReconciles >= 1, nameof(MaxParallelReconciles), $"must be at least 1, got {MaxParallelReconciles}");
        Require(ResyncInterval > TimeSpan.Zero, nameof(ResyncInterval), "must be positive");
        Require(BackoffInitial > TimeSpan.Zero, nameof(BackoffInitial), "must be positive");
        Require(BackoffMax >= BackoffInitial, nameof(BackoffMax), "must not be smaller than BackoffInitial");
        Require(BackoffJitter is >= 0 and < 1, nameof(BackoffJitter), $"must be in [0, 1), got {BackoffJitter}");
        Require(RevisionHistoryLimit >= 2, nameof(RevisionHistoryLimit), $"must be at least 2 (the current revision and one to go back to), got {RevisionHistoryLimit}");
        Require(RolloutHealthDeadline > TimeSpan.Zero, nameof(RolloutHealthDeadline), "must be positive");
        Require(DockerStopGrace >= TimeSpan.Zero, nameof(DockerStopGrace), "must not be negative");
        Require(ProgressRequeueInterval > TimeSpan.Zero, nameof(ProgressRequeueInterval), "must be positive");
        Require(DependencyRequeueInterval > TimeSpan.Zero, nameof(DependencyRequeueInterval), "must be positive");
        Require(LoopRetryInitial > TimeSpan.Zero, nameof(LoopRetryInitial), "must be positive");
        Require(IntegrationRequeueInterval > TimeSpan.Zero, nameof(IntegrationRequeueInterval), "must be positive");
        Require(ReleaseRequeueInterval > TimeSpan.Zero, nameof(ReleaseRequeueInterval), "must be positive");
        // A CancellationTokenSource cannot time more than about 49 days; a day is already far past any real reconcile.
        Require(ReconcileTimeout > TimeSpan.Zero && ReconcileTimeout <= TimeSpan.FromDays(1), nameof(ReconcileTimeout), $"must be positive and at most a day, got {ReconcileTimeout}");
        Require(RuntimeProbeInterval > TimeSpan.Zero, nameof(RuntimeProbeInterval), "must be positive");
        Require(LoopRetryMax >= LoopRetryInitial, nameof(LoopRetryMax), "must not be smaller than LoopRetryInitial");
        Require(Http.Problem() is null, nameof(Http), $"is refused: {Http.Problem()}");
        Require(Probes.Problem() is null, nameof(Probes), $"is invalid: {Probes.Problem()}");
        Require(LeaderElection.Problem() is null, nameof(LeaderElection), $"is invalid: {LeaderElection.Problem()}");
        return this;
    }

    private static void Require(bool condition, string setting, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"Operator setting {setting} {problem}.", setting);
        }
    }
}
