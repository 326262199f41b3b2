using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using static ZonaProcessManager.Domain.Tests.Planning.PlannerFixtures;

namespace ZonaProcessManager.Domain.Tests.Reconciliation;

/// <summary>One service decision: plan, transitions, next status and result, before and after applying the plan.</summary>
public sealed class ServiceConvergenceTests
{
    private static readonly ReconcilePlanner Planner = new();
    private static readonly ResourceKey Key = new(ServiceSpec.KindName, "acme", "web");

    private static DesiredWorkload Desired(ServiceSpec service, IReadOnlyCollection<string>? unready = null) => new()
    {
        Service = service,
        SpecHash = HashOf(service),
        UnreadyDependencies = unready ?? [],
    };

    private static ObservedWorkload Observed(params ObservedContainer[] containers) => ObservedWorkload.OfContainers(Key, containers);

    /// <summary>The status a converged service shows, as a reconcile of it would have written it.</summary>
    private static ServiceStatus Converged(ServiceSpec service, ObservedWorkload observed)
    {
        var first = ServiceConvergence.Decide(Desired(service), new ServiceStatus(), observed, Now, Planner);
        return first.Status;
    }

    [Fact]
    public void A_new_service_plans_its_replicas_and_applies_its_spec()
    {
        var service = Service(replicas: 2);

        var decision = ServiceConvergence.Decide(Desired(service), new ServiceStatus(), Observed(), Now, Planner);

        Assert.Equal(2, decision.Plan.Actions.OfType<CreateReplica>().Count());
        Assert.Equal([(ResourcePhase.Pending, ResourcePhase.Creating)], decision.Transitions.Select(t => (t.From, t.To)));
        Assert.Equal(ResourcePhase.Creating, decision.Status.Phase);
        Assert.Equal(HashOf(service), decision.Status.ObservedSpecHash);
        Assert.True(decision.Result.IsSuccess);
        Assert.NotNull(decision.RequeueAfter);
    }

    [Fact]
    public void Replicas_ready_as_soon_as_they_start_make_the_service_Running_in_the_same_reconcile()
    {
        var service = Service(replicas: 1, healthCheck: false);
        var decision = ServiceConvergence.Decide(Desired(service), new ServiceStatus(), Observed(), Now, Planner);
        var after = Observed(Container(0, HashOf(service), health: ContainerHealth.None));
        var followup = Planner.Plan(Desired(service), after, Now);

        var concluded = ServiceConvergence.Conclude(Desired(service), new ServiceStatus(), decision.Plan, new WorkloadApplyResult(after, Followup: followup), Now);

        Assert.Equal(ResourcePhase.Running, concluded.Status.Phase);
        Assert.Equal(new ReplicaCounts(1, 1), concluded.Status.Replicas);
        Assert.Equal(["SpecApplied", PlanOutcome.Reasons.AllReplicasReady], concluded.Transitions.Select(t => t.Reason));
        Assert.Null(concluded.RequeueAfter);
        Assert.Single(concluded.Status.Containers);
    }

    [Fact]
    public void A_refused_step_degrades_the_service_records_the_error_and_fails_for_backoff()
    {
        var service = Service(replicas: 1);
        var decision = ServiceConvergence.Decide(Desired(service), new ServiceStatus(), Observed(), Now, Planner);

        var concluded = ServiceConvergence.Conclude(Desired(service), new ServiceStatus(), decision.Plan,
            new WorkloadApplyResult(Observed(), Error: "No such image", FailedStep: "create zpm-acme-web-0"), Now);

        Assert.Equal(ResourcePhase.Degraded, concluded.Status.Phase);
        Assert.Equal("No such image", concluded.Status.LastError);
        Assert.Equal("create zpm-acme-web-0 failed: No such image", concluded.Status.Message);
        Assert.False(concluded.Result.IsSuccess);
        Assert.Equal(ResourceTrigger.CreationFailed, concluded.Transitions[^1].Trigger);
    }

    [Fact]
    public void A_converged_service_decides_nothing_new()
    {
        var service = Service(replicas: 2);
        var observed = Observed(Healthy(HashOf(service), 0, 1));
        var running = ServiceConvergence.Conclude(Desired(service), new ServiceStatus { Phase = ResourcePhase.Creating, ObservedSpecHash = HashOf(service) },
            Planner.Plan(Desired(service), observed, Now), WorkloadApplyResult.NothingDone(observed), Now).Status;
        Assert.Equal(ResourcePhase.Running, running.Phase);

        var decision = ServiceConvergence.Decide(Desired(service), running, observed, Now.AddMinutes(1), Planner);

        Assert.False(decision.Plan.HasActions);
        Assert.Empty(decision.Transitions);
        Assert.Null(decision.RequeueAfter);
        Assert.Equal((running.Phase, running.Replicas, running.Message, running.LastError), (decision.Status.Phase, decision.Status.Replicas, decision.Status.Message, decision.Status.LastError));
        Assert.Equal(running.Containers, decision.Status.Containers);
        Assert.Equal(running.Conditions.Select(c => (c.Type, c.Status, c.Reason)), decision.Status.Conditions.Select(c => (c.Type, c.Status, c.Reason)));
    }

    [Fact]
    public void A_crash_loop_fails_the_reconcile_so_backoff_paces_it()
    {
        var service = Service(replicas: 1);
        var crashing = Container(0, HashOf(service), state: ContainerState.Restarting, health: ContainerHealth.None) with
        {
            RestartCount = 3,
            StartedAt = Now.AddSeconds(-3),
            FinishedAt = Now.AddSeconds(-1),
        };
        var previous = new ServiceStatus { Phase = ResourcePhase.Running, ObservedSpecHash = HashOf(service) };

        var decision = ServiceConvergence.Decide(Desired(service), previous, Observed(crashing), Now, Planner);

        Assert.Equal(PlanOutcome.Reasons.CrashLoopBackOff, decision.Plan.Outcome.Reason);
        Assert.False(decision.Result.IsSuccess);
        Assert.Equal(ResourcePhase.Degraded, decision.Status.Phase);
    }

    [Fact]
    public void An_invalid_spec_is_reported_without_a_plan_and_keeps_what_status_showed()
    {
        var previous = Converged(Service(replicas: 1), Observed());

        var decision = ServiceConvergence.Invalid(previous, "spec.replicas: must be >= 0", Now);

        Assert.Equal(ResourcePhase.Degraded, decision.Status.Phase);
        Assert.Equal("Invalid spec: spec.replicas: must be >= 0", decision.Status.Message);
        Assert.Equal(previous.ObservedSpecHash, decision.Status.ObservedSpecHash);
        Assert.False(decision.Plan.HasActions);
        Assert.True(decision.Result is { IsSuccess: true, RequeueAfter: null });
    }

    [Fact]
    public void A_teardown_shows_Removed_and_a_failed_one_keeps_what_is_left_and_fails()
    {
        var previous = new ServiceStatus { Phase = ResourcePhase.Running, ObservedSpecHash = "h" };
        var left = Observed(Container(0, "h"));
        var tearingDown = new PlanOutcome(OutcomeKind.TearingDown, PlanOutcome.Reasons.Terminating, "Removing 1 container(s)");

        var failed = ServiceConvergence.TearDown(previous, new WorkloadRemoval(1, tearingDown, left, "engine busy", "remove zpm-acme-web-0"), Now);
        var finished = ServiceConvergence.TearDown(previous, new WorkloadRemoval(1, tearingDown, ObservedWorkload.None(Key)), Now);

        Assert.Equal(ResourcePhase.Removed, failed.Status.Phase);
        Assert.Equal("engine busy", failed.Status.LastError);
        Assert.Single(failed.Status.Containers);
        Assert.False(failed.Result.IsSuccess);
        Assert.Equal(ResourcePhase.Removed, finished.Status.Phase);
        Assert.Empty(finished.Status.Containers);
        Assert.Equal([PlanOutcome.Reasons.Terminating, PlanOutcome.Reasons.RemovalFinished], finished.Transitions.Select(t => t.Reason));
        Assert.True(finished.Result.IsSuccess);
    }
}
