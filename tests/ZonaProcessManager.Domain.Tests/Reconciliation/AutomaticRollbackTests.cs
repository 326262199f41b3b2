using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Reconciliation;
using static ZonaProcessManager.Domain.Tests.Planning.PlannerFixtures;

namespace ZonaProcessManager.Domain.Tests.Reconciliation;

/// <summary>Monitor windows of single-host rollouts and the automatic rollback decided from them.</summary>
public sealed class AutomaticRollbackTests
{
    private static readonly ReconcilePlanner Planner = new();
    private static readonly ResourceKey Key = new(ServiceSpec.KindName, "acme", "web");

    // interval 1 s, timeout 1 s, 2 retries: verdict within (2 + 1) × (1 + 1) = 6 s.
    private static readonly HealthCheckSpec QuickCheck = new() { Http = new HttpProbe(8080, "/"), IntervalSeconds = 1, TimeoutSeconds = 1, Retries = 2 };

    private static ServiceSpec Versioned(string image, UpdateFailureAction action = UpdateFailureAction.Rollback, int monitorSeconds = 5, int replicas = 2)
    {
        var service = Service(replicas: replicas, image: image);
        return service with
        {
            Spec = service.Spec with
            {
                HealthCheck = QuickCheck,
                Update = new UpdateStrategy { MonitorSeconds = monitorSeconds, FailureAction = action },
            },
        };
    }

    private static DesiredWorkload Desired(ServiceSpec service) => new() { Service = service, SpecHash = HashOf(service) };

    private static ObservedWorkload Observed(params ObservedContainer[] containers) => ObservedWorkload.OfContainers(Key, containers);

    private static ServiceRevision Revision(long number, ServiceSpec service) =>
        new(Key, number, HashOf(service), service.Spec, Now.AddHours(-1), "test");

    [Fact]
    public void The_verdict_time_is_what_the_health_check_needs_to_decide_and_nothing_without_one()
    {
        Assert.Equal(TimeSpan.FromSeconds(6), RolloutWindows.VerdictTime(QuickCheck));
        Assert.Equal(TimeSpan.FromSeconds(10 + 4 * 15), RolloutWindows.VerdictTime(HttpCheck with { StartPeriodSeconds = 10 }));
        Assert.Equal(TimeSpan.Zero, RolloutWindows.VerdictTime(null));
        Assert.Equal(TimeSpan.FromSeconds(60), RolloutWindows.ReadyDeadline(null, new PlannerSettings()));
        Assert.Equal(TimeSpan.FromSeconds(11), RolloutWindows.MonitorWindow(QuickCheck, 5));
    }

    [Fact]
    public void A_new_replica_still_starting_within_its_health_checks_verdict_time_is_waited_for()
    {
        var service = Versioned("zpm/busybox:v2");
        var starting = Container(2, HashOf(service), health: ContainerHealth.Starting, startedAt: Now.AddSeconds(-5));

        var plan = Plan(service, [.. Healthy("0ld0ld0ld0ld0ld0", 0, 1), starting]);

        Assert.Null(plan.Outcome.Failure);
        Assert.Equal(PlanOutcome.Reasons.RollingUpdate, plan.Outcome.Reason);
        Assert.Empty(plan.Actions);
        // The ready deadline ends 1 s later: the plan asks to look again then, not after the 10 s progress requeue.
        Assert.True(plan.RequeueAfter <= TimeSpan.FromSeconds(1.2), $"requeue {plan.RequeueAfter}");
    }

    [Fact]
    public void A_new_replica_not_ready_after_its_verdict_time_fails_the_rollout_without_waiting_a_minute()
    {
        var service = Versioned("zpm/busybox:v2");
        var starting = Container(2, HashOf(service), health: ContainerHealth.Starting, startedAt: Now.AddSeconds(-7));

        var plan = Plan(service, [.. Healthy("0ld0ld0ld0ld0ld0", 0, 1), starting]);

        Assert.Equal(new RolloutFailure("zpm-acme-web-2", "was not ready within 6s"), plan.Outcome.Failure);
        Assert.Empty(plan.Actions);
    }

    [Fact]
    public void A_ready_new_replica_keeps_the_old_ones_until_its_monitor_window_is_over()
    {
        var service = Versioned("zpm/busybox:v2", monitorSeconds: 5);
        var fresh = Container(2, HashOf(service), startedAt: Now.AddSeconds(-3));
        var old = Healthy("0ld0ld0ld0ld0ld0", 0, 1);

        var watching = Plan(service, [.. old, fresh]);
        var after = Plan(service, [.. old, fresh], now: Now.AddSeconds(3));

        Assert.Empty(watching.Actions);
        Assert.True(watching.RequeueAfter <= TimeSpan.FromSeconds(2.2), $"requeue {watching.RequeueAfter}");
        Assert.Contains(after.Actions, a => a is RemoveContainer { Replica: 1 });
        Assert.Contains(after.Actions, a => a is CreateReplica);
    }

    [Fact]
    public void An_exit_after_the_monitor_window_is_repaired_and_does_not_fail_the_rollout()
    {
        var service = Versioned("zpm/busybox:v2");
        var exited = Container(2, HashOf(service), ContainerState.Exited, ContainerHealth.None, exitCode: 1, startedAt: Now.AddMinutes(-5)) with
        {
            FinishedAt = Now.AddMinutes(-1),
        };

        var plan = Plan(service, [.. Healthy("0ld0ld0ld0ld0ld0", 0, 1), exited]);

        Assert.Null(plan.Outcome.Failure);
        Assert.Contains(plan.Actions, a => a is RestartContainer { Replica: 2 });
    }

    [Fact]
    public void Failure_action_continue_replaces_an_old_replica_despite_a_failed_new_one()
    {
        var service = Versioned("zpm/busybox:v2", UpdateFailureAction.Continue);
        var unhealthy = Container(2, HashOf(service), health: ContainerHealth.Unhealthy, startedAt: Now.AddSeconds(-3));

        var plan = Plan(service, [.. Healthy("0ld0ld0ld0ld0ld0", 0, 1), unhealthy]);

        Assert.Null(plan.Outcome.Failure);
        Assert.Contains(plan.Actions, a => a is RestartContainer { Replica: 2 });
        Assert.Contains(plan.Actions, a => a is RemoveContainer);
    }

    [Fact]
    public void The_revision_rolled_back_to_is_the_newest_before_the_failed_one()
    {
        var v1 = Versioned("zpm/busybox:v1");
        var v2 = Versioned("zpm/busybox:v2");
        var v3 = Versioned("zpm/busybox:v3");

        Assert.Equal(2, AutomaticRollback.PreviousRevision([Revision(1, v1), Revision(2, v2), Revision(3, v3)], HashOf(v3))?.Number);
        Assert.Null(AutomaticRollback.PreviousRevision([Revision(1, v3)], HashOf(v3)));
    }

    [Fact]
    public void A_failed_start_first_rollout_rolls_back_removing_only_the_failed_replica_and_says_which_revision()
    {
        var good = Versioned("zpm/busybox:latest");
        var bad = Versioned("zpm/busybox:unhealthy");
        var desired = Desired(bad);
        var unhealthy = Container(2, HashOf(bad), health: ContainerHealth.Unhealthy, startedAt: Now.AddSeconds(-4)) with { Error = "HTTP status 500" };
        var observed = Observed([.. Healthy(HashOf(good), 0, 1), unhealthy]);
        var previous = new ServiceStatus { Phase = ResourcePhase.Creating, ObservedSpecHash = HashOf(bad) };

        var failing = ServiceConvergence.Decide(desired, previous, observed, Now, Planner);
        var rollback = AutomaticRollback.Begin(desired, [Revision(1, good), Revision(2, bad)], failing.Plan.Outcome.Failure!, Now);
        var decision = ServiceConvergence.Decide(desired, previous, observed, Now, Planner, rollback);

        Assert.NotNull(rollback);
        Assert.Equal([new RemoveContainer(unhealthy.Id, unhealthy.Name, 2, "previous spec, not serving")], decision.Plan.Actions);
        Assert.Equal(ResourcePhase.Degraded, decision.Status.Phase);
        Assert.Equal(HashOf(bad), decision.Status.ObservedSpecHash);
        Assert.Equal(new ServiceRollout(RolloutState.RollingBack, HashOf(bad), 2, 1, HashOf(good),
            "new replica zpm-acme-web-2 is unhealthy (HTTP status 500)", Now), decision.Status.Rollout);
        var transition = Assert.Single(decision.Transitions);
        Assert.Equal(PlanOutcome.Reasons.RolledBack, transition.Reason);
        Assert.Equal(ResourceTrigger.RolledBack, transition.Trigger);
        Assert.Contains("rolling back to revision 1", transition.Message);
        Assert.Contains("zpm-acme-web-2 is unhealthy (HTTP status 500)", transition.Message);
    }

    [Fact]
    public void Once_the_old_replicas_are_all_back_the_service_stays_rolled_back_without_new_actions_or_transitions()
    {
        var good = Versioned("zpm/busybox:latest");
        var bad = Versioned("zpm/busybox:unhealthy");
        var desired = Desired(bad);
        var observed = Observed(Healthy(HashOf(good), 0, 1));
        var rollback = AutomaticRollback.Resume(desired,
            new ServiceRollout(RolloutState.RollingBack, HashOf(bad), 2, 1, HashOf(good), "new replica zpm-acme-web-2 is unhealthy", Now),
            Revision(1, good));
        var previous = new ServiceStatus { Phase = ResourcePhase.Degraded, ObservedSpecHash = HashOf(bad), Rollout = rollback.Rollout };

        var done = ServiceConvergence.Decide(desired, previous, observed, Now, Planner, rollback);
        var again = ServiceConvergence.Decide(desired, done.Status, observed, Now.AddMinutes(1), Planner, rollback with { Rollout = done.Status.Rollout! });

        Assert.Empty(done.Plan.Actions);
        Assert.Equal(RolloutState.RolledBack, done.Status.Rollout?.State);
        Assert.Equal(ResourcePhase.Degraded, done.Status.Phase);
        Assert.Contains(done.Status.Conditions, c => c is { Type: "Ready", Status: false, Reason: PlanOutcome.Reasons.RolledBack });
        Assert.Contains("rolled back to revision 1", done.Status.Message);
        Assert.Empty(again.Plan.Actions);
        Assert.Empty(again.Transitions);
        Assert.Equal(done.Status.Message, again.Status.Message);
        Assert.Null(again.RequeueAfter);
    }

    [Fact]
    public void A_rollback_holds_only_while_the_document_asks_for_the_failed_spec()
    {
        var rollout = new ServiceRollout(RolloutState.RolledBack, "failed0000000000", 2, 1, "good000000000000", "why", Now);
        var status = new ServiceStatus { Rollout = rollout };

        Assert.Same(rollout, AutomaticRollback.InForce(status, "failed0000000000"));
        Assert.Null(AutomaticRollback.InForce(status, "fixed00000000000"));
    }

    [Fact]
    public void Without_a_previous_revision_a_failed_rollout_pauses_and_says_why()
    {
        var bad = Versioned("zpm/busybox:unhealthy");
        var unhealthy = Container(2, HashOf(bad), health: ContainerHealth.Unhealthy, startedAt: Now.AddSeconds(-4));
        var observed = Observed([.. Healthy("0ld0ld0ld0ld0ld0", 0, 1), unhealthy]);

        var decision = ServiceConvergence.Decide(Desired(bad), new ServiceStatus { Phase = ResourcePhase.Creating, ObservedSpecHash = HashOf(bad) }, observed, Now, Planner);

        Assert.Null(AutomaticRollback.Begin(Desired(bad), [Revision(1, bad)], decision.Plan.Outcome.Failure!, Now));
        Assert.Equal(PlanOutcome.Reasons.RolloutStalled, decision.Plan.Outcome.Reason);
        Assert.Contains("no previous revision to roll back to, so the rollout is paused", decision.Status.Message);
        Assert.Null(decision.Status.Rollout);
    }
}
