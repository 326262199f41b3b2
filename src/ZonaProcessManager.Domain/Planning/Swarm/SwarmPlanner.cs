using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;
using static ZonaProcessManager.Domain.Planning.PlanOutcome;

namespace ZonaProcessManager.Domain.Planning.Swarm;

/// <summary>
/// Desired spec + observed Swarm service → create the service, update it, or nothing; and where the service stands,
/// from its tasks and Swarm's own update status. Swarm schedules, heals, rolls and rolls back by itself, so the plan never
/// touches a task. Pure: the observed workload (one service and its tasks, see <see cref="ObservedWorkload"/>) is read
/// beforehand.
/// </summary>
/// <remarks>
/// A service exists when <see cref="ObservedWorkload.ReportedCounts"/> is set: Desired is the service's replica count,
/// Ready the tasks running its current spec (Swarm reports a task with a health check as running only once healthy).
/// </remarks>
/// <param name="runtimeSettings">The runtime's settings that shape every service (see <see cref="SwarmSpecHasher"/>).</param>
public sealed class SwarmPlanner(PlannerSettings settings, string runtimeSettings) : IWorkloadPlanner
{
    public SwarmPlanner()
        : this(PlannerSettings.Default, "")
    {
    }

    public PlannerSettings Settings { get; } = settings;

    /// <summary>The zpm.spec-hash the service of <paramref name="spec"/> carries.</summary>
    public string SpecHashOf(ServiceSpecBody spec) => SwarmSpecHasher.Hash(spec, runtimeSettings);

    /// <summary>The zpm.spec-hash the service of <paramref name="service"/> carries, its restart annotation included.</summary>
    public string SpecHashOf(ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return SwarmSpecHasher.Hash(service.Spec, runtimeSettings, RolloutRestart.Of(service.Metadata));
    }

    public ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(observed);
        var service = desired.Service;
        var name = SwarmServiceNames.For(service.Key);
        if (service.Metadata.DeletionRequested)
        {
            return observed.ReportedCounts is null
                ? new ReconcilePlan([], new PlanOutcome(OutcomeKind.Removed, Reasons.RemovalFinished, "All containers removed"), new ReplicaCounts(0, 0), null)
                : new ReconcilePlan([], new PlanOutcome(OutcomeKind.TearingDown, Reasons.Terminating, $"Removing swarm service {name}"),
                    new ReplicaCounts(0, 0), Settings.ProgressRequeue);
        }

        // The isolation policy is checked before any action exists, as on a single host, so no path to Swarm skips it.
        var problems = ServiceSpecValidator.Validate(service).Concat(Settings.Isolation.Check(service)).ToList();
        if (problems.Count > 0)
        {
            return new ReconcilePlan([], new PlanOutcome(OutcomeKind.Invalid, Reasons.InvalidSpec, string.Join("; ", problems.Select(p => p.ToString()))),
                new ReplicaCounts(0, 0), null);
        }

        var spec = service.Spec;
        var hash = SpecHashOf(service);
        var replicas = spec.Suspended ? 0 : Math.Max(0, spec.Replicas);
        var canStart = desired.UnreadyDependencies.Count == 0;
        var running = service.Spec with { Networks = NetworksOf(service) };

        if (observed.ReportedCounts is not { } counts)
        {
            if (!canStart && replicas > 0)
            {
                return Result([], Waiting(desired), new ReplicaCounts(replicas, 0));
            }

            var created = replicas == 0
                ? Quiet(spec)
                : new PlanOutcome(OutcomeKind.Progressing, Reasons.Creating, $"Creating swarm service {name} with {replicas} replica(s)");
            return Result([.. EnsureNetworks(running), new CreateSwarmService(name, running, hash, replicas)], created, new ReplicaCounts(replicas, 0));
        }

        var rollout = observed.Rollout ?? new WorkloadRollout(RolloutState.None);
        var failedSpec = rollout.IsRollback && rollout.RolledBackFromSpecHash == hash;
        var specChanged = observed.SpecHash != hash && !failedSpec;
        var shown = new ReplicaCounts(replicas, Math.Min(counts.Ready, replicas));
        if (specChanged || counts.Desired != replicas)
        {
            if (!canStart && (specChanged || replicas > counts.Desired))
            {
                return Result([], Waiting(desired), shown);
            }

            if (specChanged)
            {
                var update = spec.Update;
                var rolling = new PlanOutcome(OutcomeKind.Progressing, Reasons.RollingUpdate,
                    $"Updating swarm service {name} to spec {hash} ({update.Order}, {Math.Max(1, update.Parallelism)} at a time)");
                return Result([.. EnsureNetworks(running), new UpdateSwarmService(name, running, hash, replicas, ScaleOnly: false)], rolling, shown);
            }

            var scaling = replicas > counts.Desired
                ? new PlanOutcome(OutcomeKind.Progressing, Reasons.ScalingUp, $"Scaling swarm service {name} from {counts.Desired} to {replicas} replica(s)")
                : new PlanOutcome(OutcomeKind.Progressing, Reasons.ScalingDown, $"Scaling swarm service {name} from {counts.Desired} to {replicas} replica(s)");
            return Result([new UpdateSwarmService(name, running, hash, replicas, ScaleOnly: true)], scaling, shown);
        }

        return Result([], Judge(spec, hash, replicas, counts.Ready, observed, rollout, failedSpec, now), shown);
    }

    /// <summary>
    /// Where a service that needs no change stands. Swarm's own words (its update status message, a task's error) are the
    /// message, so a person reads what Swarm would tell them.
    /// </summary>
    private PlanOutcome Judge(
        ServiceSpecBody spec, string hash, int replicas, int ready, ObservedWorkload observed, WorkloadRollout rollout, bool failedSpec, DateTimeOffset now)
    {
        var swarmSays = string.IsNullOrWhiteSpace(rollout.Message) ? "" : $": {rollout.Message}";
        if (failedSpec)
        {
            return rollout.State switch
            {
                RolloutState.RollingBack => new PlanOutcome(OutcomeKind.Degraded, SwarmReasons.RolledBack,
                    $"Spec {hash} failed to roll out; Swarm is rolling back to the previous spec{swarmSays}"),
                RolloutState.RollbackPaused => new PlanOutcome(OutcomeKind.Degraded, SwarmReasons.RolledBack,
                    $"Spec {hash} failed to roll out and rolling back to the previous spec paused{swarmSays}"),
                _ => new PlanOutcome(OutcomeKind.Degraded, SwarmReasons.RolledBack,
                    $"Spec {hash} failed to roll out; Swarm rolled back to the previous spec{swarmSays}"),
            };
        }

        switch (rollout.State)
        {
            case RolloutState.Updating or RolloutState.RollingBack:
                return new PlanOutcome(OutcomeKind.Progressing, Reasons.RollingUpdate,
                    $"Swarm is rolling out spec {hash}: {ready} of {replicas} task(s) run it");
            case RolloutState.Paused or RolloutState.RollbackPaused:
                return new PlanOutcome(OutcomeKind.Degraded, SwarmReasons.UpdatePaused, $"Rollout of spec {hash} paused{swarmSays}");
        }

        if (ready >= replicas)
        {
            return replicas == 0 ? Quiet(spec) : new PlanOutcome(OutcomeKind.AllReady, Reasons.AllReplicasReady, $"{replicas} of {replicas} task(s) running");
        }

        if (observed.Replicas.Where(r => r.State != "running" && !string.IsNullOrWhiteSpace(r.Error)).OrderBy(r => r.Slot).FirstOrDefault() is { } failing)
        {
            return new PlanOutcome(OutcomeKind.Degraded, ReasonFor(failing.Error!), $"{failing.Name}: {failing.Error}");
        }

        // A task that is still starting long after the service last changed is not on its way: its node went away, or it
        // keeps being replaced before Swarm records an error.
        if (rollout.ChangedAt is { } changedAt && now - changedAt >= Settings.RolloutDeadline)
        {
            return new PlanOutcome(OutcomeKind.Degraded, SwarmReasons.TasksMissing, $"{ready} of {replicas} task(s) running");
        }

        return ready == 0
            ? new PlanOutcome(OutcomeKind.Progressing, Reasons.Creating, $"0 of {replicas} task(s) running")
            : new PlanOutcome(OutcomeKind.Progressing, Reasons.WaitingForReplicas, $"{ready} of {replicas} task(s) running");
    }

    /// <summary>Swarm's error text → a reason; the text itself stays the message.</summary>
    public static string ReasonFor(string error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Contains("no suitable node", StringComparison.OrdinalIgnoreCase))
        {
            return SwarmReasons.NoSuitableNode;
        }

        if (error.Contains("port already in use", StringComparison.OrdinalIgnoreCase)
            || error.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
            || error.Contains("port is already allocated", StringComparison.OrdinalIgnoreCase))
        {
            return SwarmReasons.PortInUse;
        }

        if (error.Contains("No such image", StringComparison.OrdinalIgnoreCase)
            || error.Contains("pull access denied", StringComparison.OrdinalIgnoreCase)
            || error.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase))
        {
            return SwarmReasons.ImageMissing;
        }

        if (error.Contains("unhealthy", StringComparison.OrdinalIgnoreCase))
        {
            return Reasons.ReplicaUnhealthy;
        }

        return error.Contains("non-zero exit", StringComparison.OrdinalIgnoreCase) ? Reasons.ReplicaExited : SwarmReasons.TaskFailed;
    }

    /// <summary>
    /// The tenant's overlay network first, then the spec's own (a Swarm service may join several at creation). Unlike a
    /// single host, the tenant's network is always joined: it is what lets a tenant's tasks on different nodes reach
    /// each other, and it is the tenant's own.
    /// </summary>
    public static IReadOnlyList<string> NetworksOf(ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return [.. new[] { Tenant.NetworkNameFor(service.Metadata.Tenant) }
            .Concat(service.Spec.Networks.Where(n => !string.IsNullOrWhiteSpace(n)))
            .Distinct(StringComparer.Ordinal)];
    }

    private static IEnumerable<ReconcileAction> EnsureNetworks(ServiceSpecBody running) => running.Networks.Select(n => new EnsureNetwork(n));

    private static PlanOutcome Quiet(ServiceSpecBody spec) => spec.Suspended
        ? new PlanOutcome(OutcomeKind.AllReady, Reasons.Suspended, "Suspended: scaled to 0")
        : new PlanOutcome(OutcomeKind.AllReady, Reasons.AllReplicasReady, "0 of 0 task(s) running");

    private static PlanOutcome Waiting(DesiredWorkload desired) => new(OutcomeKind.WaitingForDependencies, Reasons.WaitingForDependencies,
        $"Waiting for {string.Join(", ", desired.UnreadyDependencies.Order(StringComparer.Ordinal))} to be Running");

    private ReconcilePlan Result(IReadOnlyList<ReconcileAction> actions, PlanOutcome outcome, ReplicaCounts replicas) =>
        new(actions, outcome, replicas, outcome.Kind switch
        {
            OutcomeKind.AllReady => null,
            OutcomeKind.WaitingForDependencies => Settings.DependencyRequeue,
            OutcomeKind.Degraded => Settings.DegradedRequeue,
            _ => Settings.ProgressRequeue,
        });
}
