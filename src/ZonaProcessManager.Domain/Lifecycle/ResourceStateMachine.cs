using Stateless;
using Stateless.Graph;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Lifecycle;

public sealed record FireResult(FireOutcome Outcome, ResourcePhase Phase, Transition? Transition, string? Error)
{
    public bool Changed => Outcome == FireOutcome.Transitioned;
}

/// <summary>
/// The lifecycle of one resource: Pending → Creating → Running ↔ Degraded → Removed. The phase lives outside the machine
/// (status.phase in the document), so the operator rebuilds a machine per reconcile from the persisted phase.
/// Firing a trigger never throws: a forbidden trigger yields <see cref="FireOutcome.Forbidden"/> with a clear message.
/// </summary>
public sealed class ResourceStateMachine
{
    private readonly StateMachine<ResourcePhase, ResourceTrigger> _machine;
    private ResourcePhase _phase;
    private StateMachine<ResourcePhase, ResourceTrigger>.Transition? _lastStatelessTransition;

    public ResourceStateMachine(ResourcePhase phase = ResourcePhase.Pending)
    {
        if (!Enum.IsDefined(phase))
        {
            throw new ArgumentOutOfRangeException(nameof(phase), phase, "Unknown phase.");
        }

        _phase = phase;
        _machine = new StateMachine<ResourcePhase, ResourceTrigger>(() => _phase, p => _phase = p);
        Configure(_machine);
        _machine.OnTransitioned(t => _lastStatelessTransition = t);
    }

    public ResourcePhase Phase => _phase;

    /// <summary>
    /// The whole lifecycle in one table. Every (phase, trigger) pair not listed is forbidden. Re-entries exist where the
    /// phase stays but the reason/message must be refreshed (a new spec while creating, another failure while degraded).
    /// </summary>
    private static void Configure(StateMachine<ResourcePhase, ResourceTrigger> m)
    {
        m.Configure(ResourcePhase.Pending)
            .Permit(ResourceTrigger.SpecApplied, ResourcePhase.Creating)
            .Permit(ResourceTrigger.SpecInvalid, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.DeletionRequested, ResourcePhase.Removed);

        m.Configure(ResourcePhase.Creating)
            .PermitReentry(ResourceTrigger.SpecApplied)
            .Ignore(ResourceTrigger.ContainersCreated)
            .Permit(ResourceTrigger.AllHealthy, ResourcePhase.Running)
            .Permit(ResourceTrigger.CreationFailed, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.ReplicaUnhealthy, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.RolledBack, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.ReplicaDied, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.SpecInvalid, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.DeletionRequested, ResourcePhase.Removed);

        m.Configure(ResourcePhase.Running)
            .Permit(ResourceTrigger.SpecApplied, ResourcePhase.Creating)
            // Healing a replica removed by hand creates a container without the service being any less "running".
            .Ignore(ResourceTrigger.ContainersCreated)
            .Ignore(ResourceTrigger.AllHealthy)
            .Permit(ResourceTrigger.CreationFailed, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.ReplicaUnhealthy, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.RolledBack, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.ReplicaDied, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.SpecInvalid, ResourcePhase.Degraded)
            .Permit(ResourceTrigger.DeletionRequested, ResourcePhase.Removed);

        m.Configure(ResourcePhase.Degraded)
            .Permit(ResourceTrigger.SpecApplied, ResourcePhase.Creating)
            // Stays Degraded until everything is healthy again; recreating a replica is not yet recovery.
            .Ignore(ResourceTrigger.ContainersCreated)
            .Permit(ResourceTrigger.AllHealthy, ResourcePhase.Running)
            .PermitReentry(ResourceTrigger.CreationFailed)
            .PermitReentry(ResourceTrigger.ReplicaUnhealthy)
            .PermitReentry(ResourceTrigger.RolledBack)
            .PermitReentry(ResourceTrigger.ReplicaDied)
            .PermitReentry(ResourceTrigger.SpecInvalid)
            .Permit(ResourceTrigger.DeletionRequested, ResourcePhase.Removed);

        // Removed is terminal: the phase is shown while the teardown runs and until the document is gone. A document
        // created again under the same name starts a new lifecycle from Pending (it has no status).
        m.Configure(ResourcePhase.Removed)
            .Ignore(ResourceTrigger.DeletionRequested)
            // Containers dying or failing health checks during teardown is the teardown working.
            .Ignore(ResourceTrigger.ReplicaDied)
            .Ignore(ResourceTrigger.ReplicaUnhealthy)
            .PermitReentry(ResourceTrigger.RemovalFinished);
    }

    public bool CanFire(ResourceTrigger trigger) => _machine.CanFire(trigger);

    /// <summary>Triggers this phase accepts, including those it deliberately ignores.</summary>
    public IReadOnlyList<ResourceTrigger> PermittedTriggers => [.. Enum.GetValues<ResourceTrigger>().Where(_machine.CanFire)];

    /// <summary>Fires the trigger if this phase allows it. Reason defaults to the trigger's name.</summary>
    public FireResult TryFire(ResourceTrigger trigger, string? reason = null, string? message = null)
    {
        var from = _phase;
        if (!Enum.IsDefined(trigger) || !_machine.CanFire(trigger))
        {
            var allowed = string.Join(", ", PermittedTriggers);
            return new FireResult(FireOutcome.Forbidden, from, null,
                $"Trigger {trigger} is not allowed in phase {from} (allowed: {allowed}).");
        }

        _lastStatelessTransition = null;
        _machine.Fire(trigger);
        if (_lastStatelessTransition is null)
        {
            return new FireResult(FireOutcome.Ignored, _phase, null, null);
        }

        var transition = new Transition(from, _phase, trigger, reason ?? trigger.ToString(),
            message ?? DefaultMessage(trigger, _phase));
        return new FireResult(FireOutcome.Transitioned, _phase, transition, null);
    }

    private static string DefaultMessage(ResourceTrigger trigger, ResourcePhase to) => trigger switch
    {
        ResourceTrigger.SpecApplied => "Spec applied; creating replicas",
        ResourceTrigger.SpecInvalid => "Spec is invalid; no container is created",
        ResourceTrigger.CreationFailed => "Creating a replica failed",
        ResourceTrigger.AllHealthy => "All replicas are running and healthy",
        ResourceTrigger.ReplicaUnhealthy => "A replica is unhealthy",
        ResourceTrigger.ReplicaDied => "A replica stopped",
        ResourceTrigger.DeletionRequested => "Deletion requested; removing containers",
        ResourceTrigger.RemovalFinished => "All containers removed",
        _ => $"Now {to}",
    };

    /// <summary>The lifecycle as a Mermaid state diagram (for `zpm graph`).</summary>
    public static string ToMermaid() => MermaidGraph.Format(new ResourceStateMachine()._machine.GetInfo());

    /// <summary>The lifecycle as a Graphviz DOT graph (for `zpm graph --format dot`).</summary>
    public static string ToDot() => UmlDotGraph.Format(new ResourceStateMachine()._machine.GetInfo());
}
