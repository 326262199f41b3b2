using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using static ZonaProcessManager.Domain.Lifecycle.ResourceTrigger;
using static ZonaProcessManager.Domain.Model.ResourcePhase;

namespace ZonaProcessManager.Domain.Tests.Lifecycle;

public class ResourceStateMachineTests
{
    // The lifecycle contract written out independently of the implementation: (from, trigger) → target phase.
    // Every pair absent from both tables must be forbidden.
    private static readonly Dictionary<(ResourcePhase, ResourceTrigger), ResourcePhase> Allowed = new()
    {
        [(Pending, SpecApplied)] = Creating,
        [(Pending, SpecInvalid)] = Degraded,
        [(Pending, DeletionRequested)] = Removed,

        [(Creating, SpecApplied)] = Creating,
        [(Creating, AllHealthy)] = Running,
        [(Creating, CreationFailed)] = Degraded,
        [(Creating, ReplicaUnhealthy)] = Degraded,
        [(Creating, RolledBack)] = Degraded,
        [(Creating, ReplicaDied)] = Degraded,
        [(Creating, SpecInvalid)] = Degraded,
        [(Creating, DeletionRequested)] = Removed,

        [(Running, SpecApplied)] = Creating,
        [(Running, CreationFailed)] = Degraded,
        [(Running, ReplicaUnhealthy)] = Degraded,
        [(Running, RolledBack)] = Degraded,
        [(Running, ReplicaDied)] = Degraded,
        [(Running, SpecInvalid)] = Degraded,
        [(Running, DeletionRequested)] = Removed,

        [(Degraded, SpecApplied)] = Creating,
        [(Degraded, AllHealthy)] = Running,
        [(Degraded, CreationFailed)] = Degraded,
        [(Degraded, ReplicaUnhealthy)] = Degraded,
        [(Degraded, RolledBack)] = Degraded,
        [(Degraded, ReplicaDied)] = Degraded,
        [(Degraded, SpecInvalid)] = Degraded,
        [(Degraded, DeletionRequested)] = Removed,

        [(Removed, RemovalFinished)] = Removed,
    };

    private static readonly HashSet<(ResourcePhase, ResourceTrigger)> Ignored =
    [
        (Creating, ContainersCreated),
        (Running, ContainersCreated),
        (Running, AllHealthy),
        (Degraded, ContainersCreated),
        (Removed, DeletionRequested),
        (Removed, ReplicaDied),
        (Removed, ReplicaUnhealthy),
    ];

    public static TheoryData<ResourcePhase, ResourceTrigger> AllPairs()
    {
        var data = new TheoryData<ResourcePhase, ResourceTrigger>();
        foreach (var phase in Enum.GetValues<ResourcePhase>())
        {
            foreach (var trigger in Enum.GetValues<ResourceTrigger>())
            {
                data.Add(phase, trigger);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Every_phase_and_trigger_pair_behaves_as_the_lifecycle_table_says(ResourcePhase from, ResourceTrigger trigger)
    {
        var machine = new ResourceStateMachine(from);

        var result = machine.TryFire(trigger, "TestReason", "test message");

        if (Allowed.TryGetValue((from, trigger), out var to))
        {
            Assert.True(machine.CanFire(trigger));
            Assert.Equal(FireOutcome.Transitioned, result.Outcome);
            Assert.Equal(to, machine.Phase);
            Assert.Equal(new Transition(from, to, trigger, "TestReason", "test message"), result.Transition);
        }
        else if (Ignored.Contains((from, trigger)))
        {
            Assert.Equal(FireOutcome.Ignored, result.Outcome);
            Assert.Equal(from, machine.Phase);
            Assert.Null(result.Transition);
        }
        else
        {
            Assert.False(machine.CanFire(trigger));
            Assert.Equal(FireOutcome.Forbidden, result.Outcome);
            Assert.Equal(from, machine.Phase);
            Assert.Null(result.Transition);
            Assert.Contains($"{trigger} is not allowed in phase {from}", result.Error);
        }
    }

    [Fact]
    public void The_happy_lifecycle_runs_from_pending_to_removed()
    {
        var machine = new ResourceStateMachine();
        var phases = new List<ResourcePhase>();
        foreach (var trigger in new[] { SpecApplied, AllHealthy, ReplicaDied, AllHealthy, DeletionRequested, RemovalFinished })
        {
            var result = machine.TryFire(trigger);
            Assert.True(result.Changed, result.Error);
            phases.Add(result.Phase);
        }

        Assert.Equal([Creating, Running, Degraded, Running, Removed, Removed], phases);
    }

    [Fact]
    public void A_default_reason_and_message_are_given_when_none_is_passed()
    {
        var result = new ResourceStateMachine(Running).TryFire(ReplicaUnhealthy);

        Assert.Equal("ReplicaUnhealthy", result.Transition!.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Transition.Message));
    }

    [Fact]
    public void An_undefined_trigger_value_is_forbidden_not_a_crash()
    {
        var result = new ResourceStateMachine(Running).TryFire((ResourceTrigger)999);

        Assert.Equal(FireOutcome.Forbidden, result.Outcome);
    }

    [Fact]
    public void A_transition_into_degraded_becomes_a_warning_event()
    {
        var key = new ResourceKey(ServiceSpec.KindName, "acme", "web");
        var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var transition = new ResourceStateMachine(Running).TryFire(ReplicaDied, "ReplicaExited", "web-0 exited 1").Transition!;

        Assert.Equal(new ResourceEvent(key, "ReplicaExited", "web-0 exited 1", EventType.Warning, time), transition.ToEvent(key, time));
    }

    [Fact]
    public void Permitted_triggers_list_what_the_phase_allows()
    {
        Assert.Equal([SpecApplied, SpecInvalid, DeletionRequested], new ResourceStateMachine(Pending).PermittedTriggers);
    }

    [Fact]
    public void Graphs_show_every_phase_and_trigger()
    {
        var mermaid = ResourceStateMachine.ToMermaid();
        var dot = ResourceStateMachine.ToDot();

        Assert.StartsWith("stateDiagram-v2", mermaid.TrimStart());
        Assert.StartsWith("digraph", dot.TrimStart());
        foreach (var phase in Enum.GetNames<ResourcePhase>())
        {
            Assert.Contains(phase, mermaid);
            Assert.Contains(phase, dot);
        }

        Assert.Contains("RemovalFinished", mermaid);
        Assert.Contains("ReplicaUnhealthy", dot);
    }
}
