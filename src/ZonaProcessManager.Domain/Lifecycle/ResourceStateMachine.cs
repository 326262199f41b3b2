using Stateless;
using Stateless.Graph;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Lifecycle;

/// <summary>What happened to a resource; the operator derives these from the spec, the plan outcome and Docker events.</summary>
public enum ResourceTrigger
{
    /// <summary>A new or changed spec (its hash differs from status.observedSpecHash) was accepted.</summary>
    SpecApplied,

    /// <summary>The spec cannot be run (validation failed, unreadable document).</summary>
    SpecInvalid,

    /// <summary>Replicas were created and are starting.</summary>
    ContainersCreated,

    /// <summary>Docker refused to create or start a replica (image missing, port taken...).</summary>
    CreationFailed,

    /// <summary>Every desired replica runs the current spec and is healthy.</summary>
    AllHealthy,

    /// <summary>A replica failed its health check, or a rollout stalled on a replica that never became healthy.</summary>
    ReplicaUnhealthy,

    /// <summary>A replica exited, died or vanished.</summary>
    ReplicaDied,

    /// <summary>The document was deleted or marked metadata.deletionRequested.</summary>
    DeletionRequested,

    /// <summary>Every container of the resource is gone.</summary>
    RemovalFinished,
}

/// <summary>One change of phase (or a deliberate re-entry that refreshes the reason); becomes status.phase + a condition + an event.</summary>
public sealed record Transition(ResourcePhase From, ResourcePhase To, ResourceTrigger Trigger, string Reason, string Message)
{
    public bool IsReentry => From == To;

    public ResourceEvent ToEvent(ResourceKey resource, DateTimeOffset time) =>
        new(resource, Reason, Message, To == ResourcePhase.Degraded ? EventType.Warning : EventType.Normal, time);
}

public enum FireOutcome
{
    /// <summary>The phase changed (or was deliberately re-entered); see <see cref="FireResult.Transition"/>.</summary>
    Transitioned,

    /// <summary>The trigger is expected in this phase and changes nothing (e.g. AllHealthy while Running).</summary>
    Ignored,

    /// <summary>The trigger is not allowed in this phase; nothing changed.</summary>
    Forbidden,
}

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
