using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Revisions;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Brings one ServiceSpec's workload to its spec, level-triggered and idempotent: every call reads the document and
/// asks the workload runtime what runs afresh, so running it twice, late, or after a missed event gives the same result.
/// The entity's situation picks the path: gone → clean up, unreadable/invalid → report, deletion requested → tear
/// down, else converge. What converging decides (plan, transitions, status, requeue) is the domain's
/// <see cref="ServiceConvergence"/>, which <see cref="IsSettled"/> reads too.
/// </summary>
public sealed class ServiceReconciler(
    IServiceStore store,
    IWorkloadRuntime workloads,
    IReconcileTrigger trigger,
    TimeProvider time,
    OperatorHealth health,
    StatusPublisher publisher,
    BestEffortEventRecorder events,
    RevisionRecorder revisions,
    ILogger<ServiceReconciler> logger)
    : IReconciler
{
    public async Task<ReconciliationResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            publisher.Gone(key);
        }

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

    /// <summary>The document is gone (e.g. deleteOne): whatever still runs under its key goes too.</summary>
    private async Task<ReconciliationResult> RemoveOrphansAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var removal = await workloads.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        if (removal.Error is null)
        {
            await revisions.ForgetAsync(key, cancellationToken).ConfigureAwait(false);
        }

        if (removal.Found == 0)
        {
            return ReconciliationResult.Success();
        }

        if (removal.Error is { } error)
        {
            await RecordDockerErrorAsync(key, removal.FailedStep, error, cancellationToken).ConfigureAwait(false);
            return ReconciliationResult.Failure(error);
        }

        logger.LogInformation("{Resource} document deleted: removed {Count} container(s)", key, removal.Found);
        await RecordEventAsync(new ResourceEvent(key, "ContainersRemoved", $"Document deleted; removed {removal.Found} container(s)", EventType.Normal, time.GetUtcNow()), cancellationToken)
            .ConfigureAwait(false);
        return ReconciliationResult.Success();
    }

    /// <summary>A document that cannot run gets a clear status; nothing is started and what runs is left alone.</summary>
    private async Task<ReconciliationResult> ReportInvalidAsync(StoredService stored, string reason, CancellationToken cancellationToken)
    {
        var previous = stored.Status ?? new ServiceStatus();
        var decision = ServiceConvergence.Invalid(previous, reason, time.GetUtcNow());
        if (await PublishDecisionAsync(stored.Key, previous, decision, cancellationToken).ConfigureAwait(false) && stored.Spec is { } spec)
        {
            NotifyOwners(spec, "child status changed");
        }

        return decision.Result;
    }

    /// <summary>zpm delete: show Removed while tearing down, remove the workload, then remove the document itself.</summary>
    private async Task<ReconciliationResult> TearDownAsync(StoredService stored, ServiceSpec spec, CancellationToken cancellationToken)
    {
        var key = stored.Key;
        var previous = stored.Status ?? new ServiceStatus();
        var removal = await workloads.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        if (removal.Error is { } error)
        {
            await RecordDockerErrorAsync(key, removal.FailedStep, error, cancellationToken).ConfigureAwait(false);
        }

        var decision = ServiceConvergence.TearDown(previous, removal, time.GetUtcNow());
        await PublishDecisionAsync(key, previous, decision, cancellationToken).ConfigureAwait(false);
        if (!decision.Result.IsSuccess)
        {
            return decision.Result;
        }

        await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        await revisions.ForgetAsync(key, cancellationToken).ConfigureAwait(false);
        NotifyOwners(spec, "child service deleted");
        logger.LogInformation("{Resource} torn down and its document deleted ({Spec} replicas were {Count})", key, spec.Spec.Image, removal.Found);
        return decision.Result;
    }

    private async Task<ReconciliationResult> ConvergeAsync(StoredService stored, ServiceSpec spec, CancellationToken cancellationToken)
    {
        var key = stored.Key;
        var previous = stored.Status ?? new ServiceStatus();
        var observed = await workloads.ObserveAsync(key, cancellationToken).ConfigureAwait(false);
        var unreadyDependencies = await FindUnreadyDependenciesAsync(spec, cancellationToken).ConfigureAwait(false);
        var desired = DesiredWorkloadFor(spec, unreadyDependencies);
        var rollback = await RollbackInForceAsync(key, previous, desired, cancellationToken).ConfigureAwait(false);
        var decision = ServiceConvergence.Decide(desired, previous, observed, time.GetUtcNow(), workloads, rollback);
        if (decision.IsInvalid)
        {
            return await ReportInvalidAsync(stored, decision.Plan.Outcome.Message, cancellationToken).ConfigureAwait(false);
        }

        if (rollback is null && decision.Plan.Outcome.Failure is { } failure && spec.Spec.Update.FailureAction == UpdateFailureAction.Rollback)
        {
            var history = await revisions.ListAsync(key, cancellationToken).ConfigureAwait(false);
            rollback = AutomaticRollback.Begin(desired, history, failure, time.GetUtcNow());
            if (rollback is not null)
            {
                logger.LogWarning("{Resource} spec {SpecHash} failed to roll out ({Failure}); rolling back to revision {Revision}",
                    key, desired.SpecHash, failure, rollback.Rollout.ToRevision);
                decision = ServiceConvergence.Decide(desired, previous, observed, time.GetUtcNow(), workloads, rollback);
            }
        }

        // Before any step of a new spec runs, so the history holds every spec that ever reached a replica.
        await revisions.RecordAsync(spec, desired.SpecHash, cancellationToken).ConfigureAwait(false);
        if (decision.Plan.HasActions)
        {
            var applied = await workloads.ApplyAsync(desired, observed, decision.Plan, cancellationToken).ConfigureAwait(false);
            if (applied.Error is { } error)
            {
                await RecordDockerErrorAsync(key, applied.FailedStep, error, cancellationToken).ConfigureAwait(false);
            }

            decision = ServiceConvergence.Conclude(desired, previous, decision.Plan, applied, time.GetUtcNow(), rollback);
        }

        if (await PublishDecisionAsync(key, previous, decision, cancellationToken).ConfigureAwait(false))
        {
            NotifyOwners(spec, "child status changed");
        }

        return decision.Result;
    }

    /// <summary>
    /// The automatic rollback status.rollout says is in force for the document's spec, with its revision; null when none
    /// is, or when the revision is no longer kept (then the spec is rolled out again, and fails into a pause).
    /// </summary>
    private async Task<RollbackTarget?> RollbackInForceAsync(ResourceKey key, ServiceStatus previous, DesiredWorkload desired, CancellationToken cancellationToken)
    {
        if (AutomaticRollback.InForce(previous, desired.SpecHash) is not { } rollout)
        {
            return null;
        }

        var revision = await revisions.GetAsync(key, rollout.ToRevision, cancellationToken).ConfigureAwait(false);
        if (revision is null || revision.SpecHash != rollout.ToSpecHash)
        {
            logger.LogWarning("{Resource} was rolled back to revision {Revision}, which is no longer kept", key, rollout.ToRevision);
            return null;
        }

        return AutomaticRollback.Resume(desired, rollout, revision);
    }

    /// <summary>
    /// Whether reconciling this service against <paramref name="observed"/> would change nothing: the decision a
    /// reconcile would take has no step to apply, no later look, no transition and the same status. A resync lists
    /// every workload once and reconciles only the services for which this is false; observing each service instead
    /// costs a Docker list per service, and dockerd walks every container for each (about 40 ms at 1000 containers).
    /// It only ever skips work that would have been a no-op: a container that changes after the list comes with its own
    /// Docker event. When in doubt it says false.
    /// </summary>
    public bool IsSettled(StoredService stored, ObservedWorkload observed)
    {
        // Dependencies need store reads to judge; their services are few, so they simply take the full reconcile.
        // A rolled-back service runs a revision only the revision store knows: it takes the full reconcile too.
        if (stored is not { Spec: { } spec, DeletionRequested: false, Status: { Rollout: null } previous } || spec.Spec.DependsOn.Count > 0)
        {
            return false;
        }

        var decision = ServiceConvergence.Decide(DesiredWorkloadFor(spec, unreadyDependencies: []), previous, observed, time.GetUtcNow(), workloads);
        return !decision.IsInvalid
            && !decision.Plan.HasActions
            && decision.Result is { IsSuccess: true, RequeueAfter: null }
            && decision.Transitions.Count == 0
            && StatusComparer.SameContent(previous, decision.Status);
    }

    private static DesiredWorkload DesiredWorkloadFor(ServiceSpec spec, IReadOnlyCollection<string> unreadyDependencies) => new()
    {
        Service = spec,
        SpecHash = SpecHasher.HashOf(spec),
        UnreadyDependencies = unreadyDependencies,
        OwnerLabels = OwnerLabels(spec),
        SecretValues = SecretValues(spec),
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

    /// <summary>The engine refused a step: the service's events say which and why (the status carries it as lastError).</summary>
    private Task RecordDockerErrorAsync(ResourceKey key, string? failedStep, string error, CancellationToken cancellationToken) =>
        RecordEventAsync(new ResourceEvent(key, "DockerError", $"{failedStep} failed: {error}", EventType.Warning, time.GetUtcNow()), cancellationToken);

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

    /// <summary>Publishes a decision's status and transitions; the triggers it refused are only worth a debug line.</summary>
    private async Task<bool> PublishDecisionAsync(ResourceKey key, ServiceStatus previous, ServiceDecision decision, CancellationToken cancellationToken)
    {
        foreach (var refused in decision.Refused)
        {
            logger.LogDebug("{Trigger} ignored in phase {Phase}: {Error}", refused.Trigger, refused.Phase, refused.Error);
        }

        return await PublishAsync(key, previous, decision.Status, decision.Transitions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes status only when something a reader cares about changed (no churn), then one event per transition.
    /// Returns whether status was written.
    /// </summary>
    private Task<bool> PublishAsync(ResourceKey key, ServiceStatus previous, ServiceStatus next, IReadOnlyList<Transition> transitions, CancellationToken cancellationToken) =>
        publisher.PublishAsync(key, previous, next, transitions, (status, token) => store.WriteStatusAsync(key, status, token), logger, cancellationToken);

    private Task RecordEventAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken) =>
        events.RecordAsync(resourceEvent, cancellationToken);
}
