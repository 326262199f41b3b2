using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Brings one ServiceSpec's containers to its spec, level-triggered and idempotent: every call reads the document and the
/// containers afresh, so running it twice, late, or after a missed event gives the same result. The entity's situation
/// picks the path: gone → clean up, unreadable/invalid → report, deletion requested → tear down, else converge.
/// </summary>
public sealed class ServiceReconciler(
    IServiceStore store,
    IContainerRuntime runtime,
    ReconcilePlanner planner,
    IReconcileTrigger trigger,
    ExpectedContainerStarts expectedStarts,
    TimeProvider time,
    OperatorHealth health,
    StatusPublisher publisher,
    BestEffortEventRecorder events,
    ILogger<ServiceReconciler> logger)
{
    public async Task<ReconciliationResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = stored switch
            {
                null => await RemoveOrphansAsync(key, cancellationToken).ConfigureAwait(false),
                { Spec: null } => await ReportInvalidAsync(stored, stored.InvalidReason ?? "The document cannot be read", cancellationToken).ConfigureAwait(false),
                { DeletionRequested: true } => await TearDownAsync(stored, stored.Spec, cancellationToken).ConfigureAwait(false),
                _ => await ConvergeAsync(stored, stored.Spec, cancellationToken).ConfigureAwait(false),
            };
            if (stored is not { Spec: null })
            {
                health.RuntimeAnswered();
            }

            return result;
        }
        catch (ContainerRuntimeException exception) when (exception.Kind == ContainerRuntimeErrorKind.Unavailable)
        {
            health.RuntimeUnreachable(exception.Message);
            if (stored is { Spec: { } spec })
            {
                await ReportRuntimeUnreachableAsync(stored, spec, exception.Message, cancellationToken).ConfigureAwait(false);
            }

            return ReconciliationResult.Failure(exception.Message);
        }
    }

    /// <summary>
    /// The engine does not answer, so nothing is known about the containers: the status says so (RuntimeReachable=False,
    /// message, lastError) and keeps the phase and containers last seen. Flipping every service to Degraded and back on
    /// each dockerd restart would add two transitions per service and wake every owner exactly when the engine recovers.
    /// </summary>
    private async Task ReportRuntimeUnreachableAsync(StoredService stored, ServiceSpec spec, string engineMessage, CancellationToken cancellationToken)
    {
        var message = SecretRedactor.RedactText(engineMessage, SecretValues(spec));
        var previous = stored.Status ?? new ServiceStatus();
        var now = time.GetUtcNow();
        var next = previous with
        {
            Conditions = ConditionSet.RuntimeUnreachable(previous.Conditions, message, now),
            Message = $"Container engine unreachable; phase and containers as last seen: {message}",
            LastError = message,
            UpdatedAt = now,
        };
        if (await PublishAsync(stored.Key, previous, next, [], cancellationToken).ConfigureAwait(false))
        {
            NotifyOwners(spec, "child status changed");
        }
    }

    /// <summary>The document is gone (e.g. deleteOne): whatever still carries its labels goes too.</summary>
    private async Task<ReconciliationResult> RemoveOrphansAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var observed = await runtime.ListAsync(key, cancellationToken).ConfigureAwait(false);
        if (observed.Count == 0)
        {
            return ReconciliationResult.Success();
        }

        var plan = planner.PlanTeardown(observed);
        var execution = await ExecuteAsync(key, plan.Actions, cancellationToken).ConfigureAwait(false);
        if (execution.Error is { } error)
        {
            return ReconciliationResult.Failure(error);
        }

        logger.LogInformation("{Resource} document deleted: removed {Count} container(s)", key, observed.Count);
        await RecordEventAsync(new ResourceEvent(key, "ContainersRemoved", $"Document deleted; removed {observed.Count} container(s)", EventType.Normal, time.GetUtcNow()), cancellationToken)
            .ConfigureAwait(false);
        return ReconciliationResult.Success();
    }

    /// <summary>A document that cannot run gets a clear status; no container is created and existing ones are left alone.</summary>
    private async Task<ReconciliationResult> ReportInvalidAsync(StoredService stored, string reason, CancellationToken cancellationToken)
    {
        var previous = stored.Status ?? new ServiceStatus();
        var machine = new ResourceStateMachine(previous.Phase);
        var transitions = new List<Transition>();
        Fire(machine, ResourceTrigger.SpecInvalid, PlanOutcome.Reasons.InvalidSpec, $"Invalid spec: {reason}", previous, transitions);
        var outcome = new PlanOutcome(OutcomeKind.Invalid, PlanOutcome.Reasons.InvalidSpec, $"Invalid spec: {reason}");
        var next = BuildStatus(previous, machine.Phase, previous.ObservedSpecHash, previous.Replicas, previous.Containers, outcome, lastError: null, runtimeAnswered: false);
        if (await PublishAsync(stored.Key, previous, next, transitions, cancellationToken).ConfigureAwait(false) && stored.Spec is { } spec)
        {
            NotifyOwners(spec, "child status changed");
        }

        // Retrying cannot fix the document; the fix arrives as a change event.
        return ReconciliationResult.Success();
    }

    /// <summary>zpm delete: show Removed while tearing down, remove every container, then remove the document itself.</summary>
    private async Task<ReconciliationResult> TearDownAsync(StoredService stored, ServiceSpec spec, CancellationToken cancellationToken)
    {
        var key = stored.Key;
        var previous = stored.Status ?? new ServiceStatus();
        var machine = new ResourceStateMachine(previous.Phase);
        var transitions = new List<Transition>();
        Fire(machine, ResourceTrigger.DeletionRequested, PlanOutcome.Reasons.Terminating, "Deletion requested; removing containers", previous, transitions);

        var observed = await runtime.ListAsync(key, cancellationToken).ConfigureAwait(false);
        var plan = planner.PlanTeardown(observed);
        var execution = await ExecuteAsync(key, plan.Actions, cancellationToken).ConfigureAwait(false);
        if (execution.Error is { } error)
        {
            var remaining = await runtime.ListAsync(key, cancellationToken).ConfigureAwait(false);
            var failing = BuildStatus(previous, machine.Phase, previous.ObservedSpecHash, new ReplicaCounts(0, 0), ToStatus(remaining), plan.Outcome, error);
            await PublishAsync(key, previous, failing, transitions, cancellationToken).ConfigureAwait(false);
            return ReconciliationResult.Failure(error);
        }

        Fire(machine, ResourceTrigger.RemovalFinished, PlanOutcome.Reasons.RemovalFinished, "All containers removed", previous, transitions);
        var removed = new PlanOutcome(OutcomeKind.Removed, PlanOutcome.Reasons.RemovalFinished, "All containers removed; deleting the document");
        var final = BuildStatus(previous, machine.Phase, previous.ObservedSpecHash, new ReplicaCounts(0, 0), [], removed, lastError: null);
        await PublishAsync(key, previous, final, transitions, cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        NotifyOwners(spec, "child service deleted");
        logger.LogInformation("{Resource} torn down and its document deleted ({Spec} replicas were {Count})", key, spec.Spec.Image, observed.Count);
        return ReconciliationResult.Success();
    }

    private async Task<ReconciliationResult> ConvergeAsync(StoredService stored, ServiceSpec spec, CancellationToken cancellationToken)
    {
        var key = stored.Key;
        var previous = stored.Status ?? new ServiceStatus();
        var specHash = SpecHasher.Hash(spec.Spec);
        var observed = await runtime.ListAsync(key, cancellationToken).ConfigureAwait(false);
        var unreadyDependencies = await FindUnreadyDependenciesAsync(spec, cancellationToken).ConfigureAwait(false);
        var input = PlanInputFor(spec, specHash, observed, unreadyDependencies);
        var plan = planner.Plan(input);

        if (plan.Outcome.Kind == OutcomeKind.Invalid)
        {
            return await ReportInvalidAsync(stored, plan.Outcome.Message, cancellationToken).ConfigureAwait(false);
        }

        var machine = new ResourceStateMachine(previous.Phase);
        var transitions = new List<Transition>();
        if (previous.ObservedSpecHash != specHash || previous.Phase == ResourcePhase.Pending)
        {
            Fire(machine, ResourceTrigger.SpecApplied, "SpecApplied", $"Spec {specHash} applied", previous, transitions);
        }

        var execution = await ExecuteAsync(key, plan.Actions, cancellationToken, SecretValues(spec)).ConfigureAwait(false);
        var outcome = plan.Outcome;
        if (execution.Error is { } error)
        {
            outcome = new PlanOutcome(OutcomeKind.Degraded, "DockerError", $"{execution.FailedAction} failed: {error}");
            Fire(machine, ResourceTrigger.CreationFailed, outcome.Reason, outcome.Message, previous, transitions);
        }
        else if (outcome.SuggestedTrigger is { } trigger)
        {
            Fire(machine, trigger, outcome.Reason, outcome.Message, previous, transitions);
        }

        // What the status shows must be what Docker has after the actions, not what the plan hoped for.
        var containers = await ObserveAfterAsync(key, plan, execution, observed, cancellationToken).ConfigureAwait(false);
        var replicas = plan.Replicas;
        var requeueAfter = plan.RequeueAfter;
        var settled = execution.Error is null && execution.Started.Count > 0
            ? planner.Plan(input with { Observed = containers, Now = time.GetUtcNow() })
            : null;
        if (settled is { HasActions: true })
        {
            // A rollout step waits for the replicas just started, and their start events (which
            // would otherwise wake this resource) were absorbed as expected: look again at once.
            requeueAfter = TimeSpan.Zero;
        }
        else if (settled is not null && outcome.SuggestedTrigger == ResourceTrigger.ContainersCreated && settled.Outcome.Kind == OutcomeKind.AllReady)
        {
            // New replicas without a health check are ready as soon as they run, and no Docker event says so apart from
            // that start: say Running now rather than at the next progress requeue. Repairs (a restarted replica) keep
            // Degraded until the next look confirms them.
            outcome = settled.Outcome;
            replicas = settled.Replicas;
            requeueAfter = settled.RequeueAfter;
            Fire(machine, ResourceTrigger.AllHealthy, outcome.Reason, outcome.Message, previous, transitions);
        }

        var lastError = execution.Error ?? (outcome.Kind == OutcomeKind.AllReady ? null : previous.LastError);
        var next = BuildStatus(previous, machine.Phase, specHash, replicas, ToStatus(containers), outcome, lastError);
        if (await PublishAsync(key, previous, next, transitions, cancellationToken).ConfigureAwait(false))
        {
            NotifyOwners(spec, "child status changed");
        }

        if (execution.Error is { } failure)
        {
            return ReconciliationResult.Failure(failure);
        }

        // A crash loop counts as a failure so the queue's backoff (not each die/start event) paces the restarts; the
        // first run that finds the replica stable succeeds and resets it.
        return outcome.Reason == PlanOutcome.Reasons.CrashLoopBackOff
            ? ReconciliationResult.Failure(outcome.Message)
            : ReconciliationResult.Success(requeueAfter);
    }

    /// <summary>
    /// The containers after the plan ran. A plan that only added replicas (the whole of an onboarding) left the ones it
    /// saw alone, so the new ones are inspected by id; anything else lists again. A list makes dockerd walk every
    /// container it has (the second list per create cost 36-46 s of a 500-service onboarding). A seen container that
    /// changed meanwhile comes with its own Docker event, which reconciles again.
    /// </summary>
    private async Task<IReadOnlyList<ObservedContainer>> ObserveAfterAsync(
        ResourceKey key, ReconcilePlan plan, Execution execution, IReadOnlyList<ObservedContainer> observed, CancellationToken cancellationToken)
    {
        if (!plan.HasActions)
        {
            return observed;
        }

        if (execution.Error is null && plan.Actions.All(action => action is EnsureNetwork or EnsureVolume or CreateReplica))
        {
            var started = await runtime.InspectAsync(execution.Started, cancellationToken).ConfigureAwait(false);
            return [.. observed.Concat(started).OrderBy(c => c.Replica).ThenBy(c => c.Id, StringComparer.Ordinal)];
        }

        return await runtime.ListAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether reconciling this service against <paramref name="observed"/> would change nothing: no Docker action, no
    /// later look, no transition, the same status. A resync lists every container once and reconciles only the services
    /// for which this is false; listing each service's containers instead costs a Docker list per service, and dockerd
    /// walks every container for each (about 40 ms at 1000 containers). It only ever skips work that would have been a
    /// no-op: a container that changes after the list comes with its own Docker event. When in doubt it says false.
    /// </summary>
    public bool IsSettled(StoredService stored, IReadOnlyList<ObservedContainer> observed)
    {
        // Dependencies need store reads to judge; their services are few, so they simply take the full reconcile.
        if (stored is not { Spec: { } spec, DeletionRequested: false, Status: { } previous } || spec.Spec.DependsOn.Count > 0)
        {
            return false;
        }

        var specHash = SpecHasher.Hash(spec.Spec);
        if (previous.ObservedSpecHash != specHash || previous.Phase == ResourcePhase.Pending)
        {
            return false;
        }

        var plan = planner.Plan(PlanInputFor(spec, specHash, observed, unreadyDependencies: []));
        if (plan.HasActions || plan.RequeueAfter is not null || plan.Outcome.Kind != OutcomeKind.AllReady)
        {
            return false;
        }

        var machine = new ResourceStateMachine(previous.Phase);
        var transitions = new List<Transition>();
        Fire(machine, ResourceTrigger.AllHealthy, plan.Outcome.Reason, plan.Outcome.Message, previous, transitions);
        var next = BuildStatus(previous, machine.Phase, specHash, plan.Replicas, ToStatus(observed), plan.Outcome, lastError: null);
        return transitions.Count == 0 && StatusComparer.SameContent(previous, next);
    }

    private PlanInput PlanInputFor(ServiceSpec spec, string specHash, IReadOnlyList<ObservedContainer> observed, IReadOnlyCollection<string> unreadyDependencies) => new()
    {
        Service = spec,
        SpecHash = specHash,
        Observed = observed,
        UnreadyDependencies = unreadyDependencies,
        Now = time.GetUtcNow(),
        ExtraLabels = OwnerLabels(spec),
    };

    private async Task<IReadOnlyCollection<string>> FindUnreadyDependenciesAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        var unready = new List<string>();
        foreach (var name in spec.Spec.DependsOn.Distinct(StringComparer.Ordinal))
        {
            var dependency = await store.GetAsync(new ResourceKey(ServiceSpec.KindName, spec.Metadata.Tenant, name), cancellationToken).ConfigureAwait(false);
            if (dependency?.Status?.Phase != ResourcePhase.Running)
            {
                unready.Add(name);
            }
        }

        return unready;
    }

    /// <param name="Started">Ids of the containers this run created and started, in order.</param>
    private sealed record Execution(string? Error, string? FailedAction, IReadOnlyList<string> Started);

    /// <summary>Runs the plan in order and stops at the first Docker error: later steps assumed the earlier ones worked.</summary>
    private async Task<Execution> ExecuteAsync(ResourceKey key, IReadOnlyList<ReconcileAction> actions, CancellationToken cancellationToken,
        IReadOnlyCollection<string>? secretValues = null)
    {
        var labels = OwnershipLabels(key);
        var started = new List<string>();
        foreach (var action in actions)
        {
            logger.LogInformation("{Resource} docker: {Action}", key, action.Describe());
            try
            {
                switch (action)
                {
                    case EnsureNetwork network:
                        await runtime.EnsureNetworkAsync(network.Name, labels, cancellationToken).ConfigureAwait(false);
                        break;
                    case EnsureVolume volume:
                        await runtime.EnsureVolumeAsync(volume.Volume, labels, cancellationToken).ConfigureAwait(false);
                        break;
                    case CreateReplica create:
                        started.Add(await CreateAndStartExpectedAsync(create.Container, cancellationToken).ConfigureAwait(false));
                        break;
                    case RemoveContainer remove:
                        await runtime.RemoveAsync(remove.ContainerId, cancellationToken).ConfigureAwait(false);
                        break;
                    case RestartContainer restart:
                        await runtime.RestartAsync(restart.ContainerId, cancellationToken).ConfigureAwait(false);
                        break;
                    case ReplaceContainer replace:
                        await runtime.RemoveAsync(replace.ContainerId, cancellationToken).ConfigureAwait(false);
                        started.Add(await CreateAndStartExpectedAsync(replace.Replacement, cancellationToken).ConfigureAwait(false));
                        break;
                    default:
                        throw new NotSupportedException($"Unknown reconcile action {action.GetType().Name}");
                }
            }
            catch (Exception exception) when ((exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                && exception is not ContainerRuntimeException { Kind: ContainerRuntimeErrorKind.Unavailable })
            {
                // Docker may echo a container's config in its message; an integration's secret values must not travel on.
                var message = SecretRedactor.RedactText(exception.Message, secretValues ?? []);
                logger.LogWarning("{Resource} docker: {Action} failed: {Error}", key, action.Describe(), message);
                await RecordEventAsync(new ResourceEvent(key, "DockerError", $"{action.Describe()} failed: {message}", EventType.Warning, time.GetUtcNow()), cancellationToken)
                    .ConfigureAwait(false);
                return new Execution(message, action.Describe(), started);
            }
        }

        return new Execution(null, null, started);
    }

    /// <summary>Creates and starts a container whose start event this reconcile will have seen the result of.</summary>
    private async Task<string> CreateAndStartExpectedAsync(DesiredContainer container, CancellationToken cancellationToken)
    {
        expectedStarts.Expect(container.ContainerName);
        try
        {
            return await runtime.CreateAndStartAsync(container, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            expectedStarts.Forget(container.ContainerName);
            throw;
        }
    }

    /// <summary>zpm.owner on an integration child's containers names the IntegrationSpec that asked for them.</summary>
    private static IReadOnlyDictionary<string, string> OwnerLabels(ServiceSpec spec) =>
        spec.Metadata.OwnerReferences.FirstOrDefault(o => o.Kind == IntegrationSpec.KindName) is { } owner
            ? new Dictionary<string, string> { [ZpmLabels.Owner] = new ResourceKey(owner.Kind, spec.Metadata.Tenant, owner.Name).ToString() }
            : new Dictionary<string, string>();

    private static string[] SecretValues(ServiceSpec spec)
    {
        var names = SecretRedactor.SecretEnvNames(spec.Metadata);
        return [.. spec.Spec.Env.Where(e => names.Contains(e.Key)).Select(e => e.Value)];
    }

    /// <summary>An owner (an IntegrationSpec) mirrors its child's status, so it must look again when that changes.</summary>
    private void NotifyOwners(ServiceSpec spec, string reason)
    {
        var owners = spec.Metadata.OwnerReferences
            .Where(o => o.Kind == IntegrationSpec.KindName)
            .Select(o => new ResourceKey(o.Kind, spec.Metadata.Tenant, o.Name))
            .ToList();
        if (owners.Count > 0)
        {
            trigger.Request(owners, reason);
        }
    }

    private static Dictionary<string, string> OwnershipLabels(ResourceKey key) => new()
    {
        [ZpmLabels.Managed] = "true",
        [ZpmLabels.Tenant] = key.Tenant,
        [ZpmLabels.Name] = key.Name,
        [ZpmLabels.Kind] = key.Kind,
    };

    private void Fire(ResourceStateMachine machine, ResourceTrigger trigger, string reason, string message, ServiceStatus previous, List<Transition> transitions)
    {
        var result = machine.TryFire(trigger, reason, message);
        if (result.Outcome == FireOutcome.Forbidden)
        {
            // The table forbids it (e.g. a spec change while Removed): keep the phase, say so, never crash.
            logger.LogDebug("{Trigger} ignored in phase {Phase}: {Error}", trigger, machine.Phase, result.Error);
            return;
        }

        if (result.Transition is not { } transition)
        {
            return;
        }

        // A re-entry that repeats what status already says (the same failure seen again) is not news.
        if (transition.IsReentry && previous.Message == transition.Message && transitions.Count == 0)
        {
            return;
        }

        transitions.Add(transition);
    }

    private ServiceStatus BuildStatus(
        ServiceStatus previous,
        ResourcePhase phase,
        string? observedSpecHash,
        ReplicaCounts replicas,
        IReadOnlyList<ContainerStatus> containers,
        PlanOutcome outcome,
        string? lastError,
        bool runtimeAnswered = true)
    {
        var now = time.GetUtcNow();
        var conditions = ConditionSet.FromOutcome(previous.Conditions, outcome, now);
        return new ServiceStatus
        {
            Phase = phase,
            ObservedSpecHash = observedSpecHash,
            Replicas = replicas,
            Containers = containers,
            Conditions = runtimeAnswered ? ConditionSet.RuntimeAnswered(conditions, now) : conditions,
            Message = outcome.Message,
            LastError = lastError,
            UpdatedAt = now,
        };
    }

    private static IReadOnlyList<ContainerStatus> ToStatus(IReadOnlyList<ObservedContainer> containers) =>
        [.. containers.OrderBy(c => c.Replica).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => new ContainerStatus(c.Id, c.Name, c.State.ToString().ToLowerInvariant(), c.Health.ToString().ToLowerInvariant()))];

    /// <summary>
    /// Writes status only when something a reader cares about changed (no churn), then one event per transition.
    /// Returns whether status was written.
    /// </summary>
    private Task<bool> PublishAsync(ResourceKey key, ServiceStatus previous, ServiceStatus next, List<Transition> transitions, CancellationToken cancellationToken) =>
        publisher.PublishAsync(key, previous, next, transitions, (status, token) => store.WriteStatusAsync(key, status, token), logger, cancellationToken);

    private Task RecordEventAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken) =>
        events.RecordAsync(resourceEvent, cancellationToken);
}
