using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Lifecycle;

/// <summary>A trigger the lifecycle table does not allow in the phase it was fired in; the phase stayed.</summary>
public sealed record RefusedTrigger(ResourceTrigger Trigger, ResourcePhase Phase, string Error);

/// <summary>
/// The triggers one reconcile fires, starting from the phase its status last showed: the machine, the transitions worth
/// an event, and the triggers the table refused (never an exception).
/// </summary>
public sealed class PhaseChanges(ServiceStatus previous)
{
    private readonly ResourceStateMachine _machine = new(previous.Phase);
    private readonly List<Transition> _transitions = [];
    private readonly List<RefusedTrigger> _refused = [];

    public ResourcePhase Phase => _machine.Phase;

    public IReadOnlyList<Transition> Transitions => _transitions;

    public IReadOnlyList<RefusedTrigger> Refused => _refused;

    public void Fire(ResourceTrigger trigger, string reason, string message)
    {
        var result = _machine.TryFire(trigger, reason, message);
        if (result.Outcome == FireOutcome.Forbidden)
        {
            // The table forbids it (e.g. a spec change while Removed): keep the phase, say so, never crash.
            _refused.Add(new RefusedTrigger(trigger, _machine.Phase, result.Error ?? ""));
            return;
        }

        if (result.Transition is not { } transition)
        {
            return;
        }

        // A re-entry that repeats what status already says (the same failure seen again) is not news.
        if (transition.IsReentry && previous.Message == transition.Message && _transitions.Count == 0)
        {
            return;
        }

        _transitions.Add(transition);
    }
}
