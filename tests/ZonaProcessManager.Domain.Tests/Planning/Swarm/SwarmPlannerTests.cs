using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Planning.Swarm;
using ZonaProcessManager.Domain.Policy;
using ZonaProcessManager.Domain.Reconciliation;
using static ZonaProcessManager.Domain.Tests.Planning.PlannerFixtures;

namespace ZonaProcessManager.Domain.Tests.Planning.Swarm;

/// <summary>The Swarm planner: create or update the service, and where it stands from its tasks and update status.</summary>
public sealed class SwarmPlannerTests
{
    private static readonly SwarmPlanner Planner = new();
    private static readonly ResourceKey Key = new(ServiceSpec.KindName, "acme", "web");

    private static DesiredWorkload Desired(ServiceSpec service, IReadOnlyCollection<string>? unready = null) => new()
    {
        Service = service,
        SpecHash = SpecHasher.Hash(service.Spec),
        UnreadyDependencies = unready ?? [],
    };

    private static string SwarmHash(ServiceSpec service) => Planner.SpecHashOf(service.Spec);

    private static WorkloadReplica Task(int slot, string state = "running", string? error = null) =>
        new($"task-{slot}-{state}", $"zpm-acme-web.{slot}", slot, state, state == "running" ? "healthy" : "starting", Node: $"node-{slot % 3}", Error: error);

    /// <summary>A service as the Swarm runtime observes it: its hash label, replica count, ready tasks and update status.</summary>
    private static ObservedWorkload Observed(
        string specHash, int desired, int ready, IReadOnlyList<WorkloadReplica>? tasks = null, WorkloadRollout? rollout = null) => new()
        {
            Owner = Key,
            SpecHash = specHash,
            ReportedCounts = new ReplicaCounts(desired, ready),
            Replicas = tasks ?? [.. Enumerable.Range(1, ready).Select(slot => Task(slot))],
            Rollout = rollout ?? new WorkloadRollout(RolloutState.None, ChangedAt: Now.AddMinutes(-10)),
        };

    [Fact]
    public void A_spec_without_a_service_creates_one_named_for_tenant_and_name_on_the_tenants_network()
    {
        var service = Service(replicas: 3, networks: ["backend"]) with { };

        var plan = Planner.Plan(Desired(service), ObservedWorkload.None(Key), Now);

        var create = Assert.Single(plan.Actions.OfType<CreateSwarmService>());
        Assert.Equal("zpm-acme-web", create.ServiceName);
        Assert.Equal(3, create.Replicas);
        Assert.Equal(SwarmHash(service), create.SpecHash);
        Assert.Equal(["zpm-tenant-acme", "backend"], create.Spec.Networks);
        // Networks are made sure of before the service that joins them.
        Assert.Equal(["zpm-tenant-acme", "backend"], plan.Actions.TakeWhile(a => a is EnsureNetwork).Cast<EnsureNetwork>().Select(n => n.Name));
        Assert.Equal(OutcomeKind.Progressing, plan.Outcome.Kind);
        Assert.Equal(PlanOutcome.Reasons.Creating, plan.Outcome.Reason);
    }

    [Fact]
    public void A_service_running_its_desired_tasks_with_the_current_spec_is_ready_and_needs_nothing()
    {
        var service = Service(replicas: 3);

        var plan = Planner.Plan(Desired(service), Observed(SwarmHash(service), desired: 3, ready: 3), Now);

        Assert.Empty(plan.Actions);
        Assert.Equal(OutcomeKind.AllReady, plan.Outcome.Kind);
        Assert.Equal(new ReplicaCounts(3, 3), plan.Replicas);
        Assert.Null(plan.RequeueAfter);
    }

    [Fact]
    public void A_changed_spec_updates_the_whole_service_and_a_changed_count_only_scales_it()
    {
        var before = Service(replicas: 3);
        var changed = before with { Spec = before.Spec with { Env = new Dictionary<string, string> { ["MODE"] = "new" } } };
        var scaled = before with { Spec = before.Spec with { Replicas = 6 } };
        var observed = Observed(SwarmHash(before), desired: 3, ready: 3);

        var update = Assert.Single(Planner.Plan(Desired(changed), observed, Now).Actions.OfType<UpdateSwarmService>());
        var scale = Assert.Single(Planner.Plan(Desired(scaled), observed, Now).Actions.OfType<UpdateSwarmService>());

        Assert.False(update.ScaleOnly);
        Assert.Equal(SwarmHash(changed), update.SpecHash);
        Assert.True(scale.ScaleOnly);
        Assert.Equal(6, scale.Replicas);
        // The count is not part of the spec hash: scaling never replaces a task.
        Assert.Equal(SwarmHash(before), SwarmHash(scaled));
    }

    [Fact]
    public void A_restart_annotation_updates_the_whole_service_with_the_same_spec_so_swarm_replaces_every_task()
    {
        var before = Service(replicas: 3);
        var restarted = before with
        {
            Metadata = before.Metadata with { Annotations = new Dictionary<string, string> { [RolloutRestart.Annotation] = "2026-12-06T23:40:00.0000000+00:00" } },
        };
        var observed = Observed(SwarmHash(before), desired: 3, ready: 3);

        var update = Assert.Single(Planner.Plan(Desired(restarted), observed, Now).Actions.OfType<UpdateSwarmService>());

        Assert.False(update.ScaleOnly);
        Assert.Equal(before.Spec.Image, update.Spec.Image);
        Assert.Equal(Planner.SpecHashOf(restarted), update.SpecHash);
        Assert.NotEqual(SwarmHash(before), update.SpecHash);
        // Without the annotation the service's hash is the one it always had.
        Assert.Equal(SwarmHash(before), Planner.SpecHashOf(before));
    }

    [Fact]
    public void Update_rollback_and_placement_change_the_swarm_hash_but_not_the_single_host_one()
    {
        var before = Service(replicas: 3).Spec;
        var variants = new[]
        {
            before with { Update = before.Update with { MonitorSeconds = 30 } },
            before with { Update = before.Update with { FailureAction = UpdateFailureAction.Pause } },
            before with { Rollback = before.Rollback with { Parallelism = 2 } },
            before with { Placement = new PlacementSpec { Constraints = ["node.role==worker"] } },
            before with { Placement = new PlacementSpec { MaxReplicasPerNode = 1 } },
            before with { Placement = new PlacementSpec { Preferences = [new PlacementPreference("node.labels.zone")] } },
        };

        foreach (var variant in variants)
        {
            Assert.NotEqual(SwarmSpecHasher.Hash(before, ""), SwarmSpecHasher.Hash(variant, ""));
            Assert.Equal(SpecHasher.Hash(before), SpecHasher.Hash(variant));
        }

        Assert.NotEqual(SwarmSpecHasher.Hash(before, "publish=Host"), SwarmSpecHasher.Hash(before, "publish=Ingress"));
    }

    [Fact]
    public void Suspended_scales_the_service_to_zero_and_is_then_quietly_ready()
    {
        var running = Service(replicas: 3);
        var suspended = running with { Spec = running.Spec with { Suspended = true } };

        var scaleDown = Planner.Plan(Desired(suspended), Observed(SwarmHash(running), desired: 3, ready: 3), Now);
        var after = Planner.Plan(Desired(suspended), Observed(SwarmHash(running), desired: 0, ready: 0), Now);

        var update = Assert.Single(scaleDown.Actions.OfType<UpdateSwarmService>());
        Assert.Equal(0, update.Replicas);
        Assert.True(update.ScaleOnly);
        Assert.Empty(after.Actions);
        Assert.Equal((OutcomeKind.AllReady, PlanOutcome.Reasons.Suspended), (after.Outcome.Kind, after.Outcome.Reason));
    }

    [Fact]
    public void Dependencies_not_running_hold_back_creation_and_updates_but_not_a_scale_down()
    {
        var service = Service(replicas: 2, dependsOn: ["db"]);
        var smaller = service with { Spec = service.Spec with { Replicas = 1 } };
        var changed = service with { Spec = service.Spec with { Image = "zpm/busybox:other" } };
        var observed = Observed(SwarmHash(service), desired: 2, ready: 2);

        var create = Planner.Plan(Desired(service, ["db"]), ObservedWorkload.None(Key), Now);
        var update = Planner.Plan(Desired(changed, ["db"]), observed, Now);
        var shrink = Planner.Plan(Desired(smaller, ["db"]), observed, Now);

        Assert.Empty(create.Actions);
        Assert.Equal(OutcomeKind.WaitingForDependencies, create.Outcome.Kind);
        Assert.Contains("db", create.Outcome.Message, StringComparison.Ordinal);
        Assert.Empty(update.Actions);
        Assert.Equal(OutcomeKind.WaitingForDependencies, update.Outcome.Kind);
        Assert.Single(shrink.Actions.OfType<UpdateSwarmService>());
    }

    [Fact]
    public void A_rollout_in_progress_is_progressing()
    {
        var service = Service(replicas: 3);
        var observed = Observed(SwarmHash(service), desired: 3, ready: 1, rollout: new WorkloadRollout(RolloutState.Updating, "update in progress", ChangedAt: Now));

        var plan = Planner.Plan(Desired(service), observed, Now);

        Assert.Empty(plan.Actions);
        Assert.Equal((OutcomeKind.Progressing, PlanOutcome.Reasons.RollingUpdate), (plan.Outcome.Kind, plan.Outcome.Reason));
        Assert.NotNull(plan.RequeueAfter);
    }

    [Fact]
    public void A_spec_swarm_rolled_back_is_degraded_with_swarms_reason_and_is_not_pushed_again()
    {
        var old = Service(replicas: 3);
        var failing = old with { Spec = old.Spec with { Image = "zpm/busybox:unhealthy" } };
        // After an automatic rollback the service carries the old spec again (its hash label included).
        var observed = Observed(SwarmHash(old), desired: 3, ready: 3,
            rollout: new WorkloadRollout(RolloutState.RolledBack, "rollback completed", RolledBackFromSpecHash: SwarmHash(failing), ChangedAt: Now));

        var plan = Planner.Plan(Desired(failing), observed, Now);

        Assert.Empty(plan.Actions);
        Assert.Equal((OutcomeKind.Degraded, SwarmReasons.RolledBack), (plan.Outcome.Kind, plan.Outcome.Reason));
        Assert.Contains("rollback completed", plan.Outcome.Message, StringComparison.Ordinal);
        Assert.Equal(new ReplicaCounts(3, 3), plan.Replicas);
    }

    [Fact]
    public void After_a_rollback_a_new_spec_rolls_out_and_a_scale_keeps_the_rolled_back_spec()
    {
        var old = Service(replicas: 3);
        var failing = old with { Spec = old.Spec with { Image = "zpm/busybox:unhealthy" } };
        var fixedSpec = old with { Spec = old.Spec with { Image = "zpm/busybox:fixed" } };
        var scaledFailing = failing with { Spec = failing.Spec with { Replicas = 5 } };
        var rolledBack = Observed(SwarmHash(old), desired: 3, ready: 3,
            rollout: new WorkloadRollout(RolloutState.RolledBack, "rollback completed", RolledBackFromSpecHash: SwarmHash(failing), ChangedAt: Now));

        var update = Assert.Single(Planner.Plan(Desired(fixedSpec), rolledBack, Now).Actions.OfType<UpdateSwarmService>());
        var scale = Assert.Single(Planner.Plan(Desired(scaledFailing), rolledBack, Now).Actions.OfType<UpdateSwarmService>());

        Assert.False(update.ScaleOnly);
        Assert.True(scale.ScaleOnly);
    }

    [Fact]
    public void A_paused_rollout_is_degraded_until_the_spec_changes()
    {
        var service = Service(replicas: 2);
        var observed = Observed(SwarmHash(service), desired: 2, ready: 1,
            rollout: new WorkloadRollout(RolloutState.Paused, "update paused due to failure or early termination of task abc", ChangedAt: Now));

        var plan = Planner.Plan(Desired(service), observed, Now);

        Assert.Empty(plan.Actions);
        Assert.Equal((OutcomeKind.Degraded, SwarmReasons.UpdatePaused), (plan.Outcome.Kind, plan.Outcome.Reason));
    }

    [Theory]
    [InlineData("pending", "no suitable node (scheduling constraints not satisfied on 3 nodes)", SwarmReasons.NoSuitableNode)]
    [InlineData("pending", "no suitable node (host-mode port already in use on 3 nodes)", SwarmReasons.NoSuitableNode)]
    [InlineData("rejected", "Error starting userland proxy: listen tcp4 0.0.0.0:18080: bind: address already in use", SwarmReasons.PortInUse)]
    [InlineData("rejected", "No such image: zpm/missing:1", SwarmReasons.ImageMissing)]
    [InlineData("ready", "task: non-zero exit (1)", PlanOutcome.Reasons.ReplicaExited)]
    [InlineData("starting", "unhealthy container", PlanOutcome.Reasons.ReplicaUnhealthy)]
    public void Tasks_swarm_cannot_run_make_the_service_degraded_with_swarms_own_words(string state, string error, string reason)
    {
        var service = Service(replicas: 2);
        var observed = Observed(SwarmHash(service), desired: 2, ready: 1, tasks: [Task(1), Task(2, state, error)],
            rollout: new WorkloadRollout(RolloutState.None, ChangedAt: Now));

        var plan = Planner.Plan(Desired(service), observed, Now);

        Assert.Equal((OutcomeKind.Degraded, reason), (plan.Outcome.Kind, plan.Outcome.Reason));
        Assert.Contains(error, plan.Outcome.Message, StringComparison.Ordinal);
        Assert.Equal(new ReplicaCounts(2, 1), plan.Replicas);
    }

    [Fact]
    public void Tasks_starting_soon_after_a_change_are_progressing_and_still_missing_long_after_it_are_degraded()
    {
        var service = Service(replicas: 3);
        var tasks = new[] { Task(1), Task(2), Task(3, "preparing") };
        var fresh = Observed(SwarmHash(service), desired: 3, ready: 2, tasks: tasks, rollout: new WorkloadRollout(RolloutState.None, ChangedAt: Now.AddSeconds(-5)));
        var stale = Observed(SwarmHash(service), desired: 3, ready: 2, tasks: tasks, rollout: new WorkloadRollout(RolloutState.Completed, ChangedAt: Now.AddMinutes(-5)));

        var starting = Planner.Plan(Desired(service), fresh, Now);
        var lost = Planner.Plan(Desired(service), stale, Now);

        Assert.Equal(OutcomeKind.Progressing, starting.Outcome.Kind);
        Assert.Equal((OutcomeKind.Degraded, SwarmReasons.TasksMissing), (lost.Outcome.Kind, lost.Outcome.Reason));
    }

    [Fact]
    public void A_spec_the_isolation_policy_forbids_is_invalid_and_creates_nothing()
    {
        var service = Service(replicas: 1, volumes: [new VolumeSpec { HostPath = "/var/run/docker.sock", Target = "/sock" }]);

        var plan = new SwarmPlanner(new PlannerSettings { Isolation = IsolationPolicy.Default }, "").Plan(Desired(service), ObservedWorkload.None(Key), Now);

        Assert.Empty(plan.Actions);
        Assert.Equal(OutcomeKind.Invalid, plan.Outcome.Kind);
    }

    [Fact]
    public void A_rollback_reaches_status_as_Degraded_RolledBack_with_one_event_and_not_again_on_the_next_look()
    {
        var old = Service(replicas: 2);
        var failing = old with { Spec = old.Spec with { Image = "zpm/busybox:unhealthy" } };
        var running = new ServiceStatus { Phase = ResourcePhase.Creating, ObservedSpecHash = SpecHasher.Hash(failing.Spec) };
        var rolledBack = Observed(SwarmHash(old), desired: 2, ready: 2,
            rollout: new WorkloadRollout(RolloutState.RolledBack, "rollback completed", RolledBackFromSpecHash: SwarmHash(failing), ChangedAt: Now));

        var first = ServiceConvergence.Decide(Desired(failing), running, rolledBack, Now, Planner);
        var second = ServiceConvergence.Decide(Desired(failing), first.Status, rolledBack, Now.AddSeconds(30), Planner);

        Assert.Equal(ResourcePhase.Degraded, first.Status.Phase);
        var transition = Assert.Single(first.Transitions);
        Assert.Equal(SwarmReasons.RolledBack, transition.Reason);
        Assert.Equal(EventType.Warning, transition.ToEvent(Key, Now).Type);
        Assert.Empty(second.Transitions);
        Assert.Equal(ResourcePhase.Degraded, second.Status.Phase);
    }

    [Fact]
    public void Tasks_show_in_status_with_their_node_slot_and_error()
    {
        var service = Service(replicas: 2);
        var observed = Observed(SwarmHash(service), desired: 2, ready: 1, tasks: [Task(1), Task(2, "pending", "no suitable node")]);

        var decision = ServiceConvergence.Decide(Desired(service), new ServiceStatus(), observed, Now, Planner);

        Assert.Equal(
            [new ContainerStatus("task-1-running", "zpm-acme-web.1", "running", "healthy", "node-1", 1, null),
             new ContainerStatus("task-2-pending", "zpm-acme-web.2", "pending", "starting", "node-2", 2, "no suitable node")],
            decision.Status.Containers);
    }
}
