using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Lifecycle;

/// <summary>One change of phase (or a deliberate re-entry that refreshes the reason); becomes status.phase + a condition + an event.</summary>
public sealed record Transition(ResourcePhase From, ResourcePhase To, ResourceTrigger Trigger, string Reason, string Message)
{
    public bool IsReentry => From == To;

    public ResourceEvent ToEvent(ResourceKey resource, DateTimeOffset time) =>
        new(resource, Reason, Message, To == ResourcePhase.Degraded ? EventType.Warning : EventType.Normal, time);
}
