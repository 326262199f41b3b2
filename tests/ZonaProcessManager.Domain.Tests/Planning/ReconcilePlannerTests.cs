using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using static ZonaProcessManager.Domain.Tests.Planning.PlannerFixtures;

namespace ZonaProcessManager.Domain.Tests.Planning;

public class ReconcilePlannerTests
{
    private const string OldHash = "0ld0ld0ld0ld0ld0";

    [Fact]
    public void A_new_service_gets_every_replica_created_after_its_network_and_volume_exist()
    {
        var volume = new VolumeSpec { Name = "web-data", Target = "/data" };
        var service = Service(replicas: 3, networks: ["zpm-tenant-acme"], volumes: [volume]);

        var plan = Plan(service, []);

        Assert.Equal(
            [new EnsureNetwork("zpm-tenant-acme"), new EnsureVolume(volume)],
            plan.Actions.Take(2));
        Assert.Equal([0, 1, 2], SlotsOf<CreateReplica>(plan));
        Assert.All(plan.Actions.OfType<CreateReplica>(), c => Assert.Equal(HashOf(service), c.Container.SpecHash));
        Assert.Equal(OutcomeKind.Progressing, plan.Outcome.Kind);
        Assert.Equal(ResourceTrigger.ContainersCreated, plan.Outcome.SuggestedTrigger);
        Assert.Equal(new ReplicaCounts(3, 0), plan.Replicas);
        Assert.NotNull(plan.RequeueAfter);
    }

    [Fact]
    public void A_service_that_names_no_network_is_put_on_its_tenants_network_not_dockers_shared_bridge()
    {
        var service = Service(replicas: 2, networks: []);

        var plan = Plan(service, []);

        Assert.Equal(new EnsureNetwork("zpm-tenant-acme"), plan.Actions[0]);
        Assert.All(plan.Actions.OfType<CreateReplica>(), c =>
        {
            Assert.Equal(["zpm-tenant-acme"], c.Container.Spec.Networks);
            // The default is not part of the document, so it never rolls containers by itself.
            Assert.Equal(HashOf(service), c.Container.SpecHash);
        });
    }

    [Fact]
    public void Healthy_containers_with_the_right_hash_are_adopted_without_any_action()
    {
        var service = Service(replicas: 3, networks: ["zpm-tenant-acme"]);

        var plan = Plan(service, Healthy(HashOf(service), 0, 1, 2));

        Assert.Empty(plan.Actions);
        Assert.Equal(OutcomeKind.AllReady, plan.Outcome.Kind);
        Assert.Equal(ResourceTrigger.AllHealthy, plan.Outcome.SuggestedTrigger);
        Assert.Equal(new ReplicaCounts(3, 3), plan.Replicas);
        Assert.Null(plan.RequeueAfter);
    }

    [Fact]
    public void Scaling_up_creates_the_missing_slots()
    {
        var service = Service(replicas: 4);

        var plan = Plan(service, Healthy(HashOf(service), 0, 1));

        Assert.Equal([2, 3], SlotsOf<CreateReplica>(plan));
        Assert.Equal(PlanOutcome.Reasons.ScalingUp, plan.Outcome.Reason);
    }

    [Fact]
    public void Scaling_down_removes_the_highest_slots_first()
    {
        var service = Service(replicas: 2);

        var plan = Plan(service, Healthy(HashOf(service), 0, 1, 2, 3));

        Assert.Equal([3, 2], SlotsOf<RemoveContainer>(plan));
        Assert.Equal(2, plan.Actions.Count);
        Assert.Equal(PlanOutcome.Reasons.ScalingDown, plan.Outcome.Reason);
    }

    [Fact]
    public void A_container_removed_by_hand_is_recreated_in_its_slot()
    {
        var service = Service(replicas: 3);

        var plan = Plan(service, Healthy(HashOf(service), 0, 2));

        Assert.Equal([1], SlotsOf<CreateReplica>(plan));
        Assert.Equal([typeof(EnsureNetwork), typeof(CreateReplica)], plan.Actions.Select(a => a.GetType()));
    }

    [Fact]
    public void Suspending_scales_to_zero_and_then_reports_ready()
    {
        var service = Service(replicas: 3, suspended: true);
        var world = new SimulatedWorld(Healthy(HashOf(service), 0, 1, 2));

        var plan = Plan(service, world.Containers);
        world.Apply(plan, Now);
        var after = Plan(service, world.Containers);

        Assert.Equal([2, 1, 0], SlotsOf<RemoveContainer>(plan));
        Assert.Empty(world.Containers);
        Assert.Empty(after.Actions);
        Assert.Equal(OutcomeKind.AllReady, after.Outcome.Kind);
        Assert.Equal(PlanOutcome.Reasons.Suspended, after.Outcome.Reason);
    }

    [Fact]
    public void An_unhealthy_replica_is_restarted_and_the_resource_is_degraded()
    {
        var service = Service(replicas: 2);
        var hash = HashOf(service);

        var plan = Plan(service, [Container(0, hash), Container(1, hash, health: ContainerHealth.Unhealthy)]);

        var restart = Assert.Single(plan.Actions);
        Assert.Equal(new RestartContainer("id-" + hash + "-1", "zpm-acme-web-1", 1, "unhealthy"), restart);
        Assert.Equal(OutcomeKind.Degraded, plan.Outcome.Kind);
        Assert.Equal(ResourceTrigger.ReplicaUnhealthy, plan.Outcome.SuggestedTrigger);
    }

    [Fact]
    public void The_degraded_message_names_what_the_failing_health_probe_found()
    {
        var service = Service(replicas: 1);
        var hash = HashOf(service);
        var unhealthy = Container(0, hash, health: ContainerHealth.Unhealthy) with { Error = "health probe HTTP GET :8080/ failed: connection refused" };

        var plan = Plan(service, [unhealthy]);

        Assert.Equal(PlanOutcome.Reasons.ReplicaUnhealthy, plan.Outcome.Reason);
        Assert.Equal("zpm-acme-web-0 is unhealthy (health probe HTTP GET :8080/ failed: connection refused); restarting it", plan.Outcome.Message);
    }

    [Theory]
    [InlineData(RestartPolicy.Always, 0, true, PlanOutcome.Reasons.ReplicaExited)]
    [InlineData(RestartPolicy.Always, 137, true, PlanOutcome.Reasons.ReplicaExited)]
    [InlineData(RestartPolicy.OnFailure, 1, true, PlanOutcome.Reasons.ReplicaExited)]
    [InlineData(RestartPolicy.OnFailure, 0, false, PlanOutcome.Reasons.ReplicaCompleted)]
    [InlineData(RestartPolicy.Never, 1, false, PlanOutcome.Reasons.ReplicaExited)]
    [InlineData(RestartPolicy.Never, 0, false, PlanOutcome.Reasons.ReplicaCompleted)]
    public void An_exited_replica_is_restarted_only_when_its_restart_policy_says_so(
        RestartPolicy policy, int exitCode, bool restarted, string reason)
    {
        var service = Service(replicas: 1, restartPolicy: policy);

        var plan = Plan(service, [Container(0, HashOf(service), ContainerState.Exited, ContainerHealth.None, exitCode)]);

        Assert.Equal(restarted ? [0] : [], SlotsOf<RestartContainer>(plan));
        Assert.Equal(restarted ? 1 : 0, plan.Actions.Count);
        Assert.Equal(OutcomeKind.Degraded, plan.Outcome.Kind);
        Assert.Equal(reason, plan.Outcome.Reason);
        Assert.Equal(ResourceTrigger.ReplicaDied, plan.Outcome.SuggestedTrigger);
        Assert.Contains($"code {exitCode}", plan.Outcome.Message);
    }

    [Theory]
    [InlineData(ContainerState.Exited, RestartPolicy.Always, 1, true)]
    [InlineData(ContainerState.Restarting, RestartPolicy.Always, 1, false)]
    [InlineData(ContainerState.Restarting, RestartPolicy.OnFailure, 1, false)]
    public void A_replica_that_exits_soon_after_each_start_is_crash_looping(ContainerState state, RestartPolicy policy, int restarts, bool restartedByThePlan)
    {
        var service = Service(replicas: 1, restartPolicy: policy);
        var started = Now.AddSeconds(-3);
        var crashing = Container(0, HashOf(service), state, ContainerHealth.None, exitCode: 1, startedAt: started) with
        {
            FinishedAt = started.AddMilliseconds(200),
            RestartCount = restarts,
        };

        var plan = Plan(service, [crashing]);

        Assert.Equal(restartedByThePlan ? [0] : [], SlotsOf<RestartContainer>(plan));
        Assert.Equal(OutcomeKind.Degraded, plan.Outcome.Kind);
        Assert.Equal(PlanOutcome.Reasons.CrashLoopBackOff, plan.Outcome.Reason);
        Assert.Equal(ResourceTrigger.ReplicaDied, plan.Outcome.SuggestedTrigger);
        Assert.Contains("exited with code 1 less than 10s after it started", plan.Outcome.Message);
    }

    [Theory]
    [InlineData(300, 4)]
    [InlineData(1, 0)]
    public void A_replica_that_ran_longer_than_the_crash_loop_window_or_exited_for_the_first_time_is_not_crash_looping(int ranSeconds, int restarts)
    {
        var service = Service(replicas: 1);
        var started = Now.AddMinutes(-10);
        var exited = Container(0, HashOf(service), ContainerState.Exited, ContainerHealth.None, exitCode: 1, startedAt: started) with
        {
            FinishedAt = started.AddSeconds(ranSeconds),
            RestartCount = restarts,
        };

        var plan = Plan(service, [exited]);

        Assert.Equal([0], SlotsOf<RestartContainer>(plan));
        Assert.Equal(PlanOutcome.Reasons.ReplicaExited, plan.Outcome.Reason);
    }

    [Fact]
    public void A_dead_container_is_replaced_in_the_same_slot()
    {
        var service = Service(replicas: 2, networks: ["backend"]);
        var hash = HashOf(service);

        var plan = Plan(service, [Container(0, hash), Container(1, hash, ContainerState.Dead, ContainerHealth.None)]);

        Assert.Equal(new EnsureNetwork("backend"), plan.Actions[0]);
        var replace = Assert.IsType<ReplaceContainer>(plan.Actions[1]);
        Assert.Equal(1, replace.Replacement.Replica);
        Assert.Equal("id-" + hash + "-1", replace.ContainerId);
    }

    [Fact]
    public void A_container_that_was_created_but_never_started_is_started()
    {
        var service = Service(replicas: 1);

        var plan = Plan(service, [Container(0, HashOf(service), ContainerState.Created, ContainerHealth.None)]);

        Assert.Equal([0], SlotsOf<RestartContainer>(plan));
    }

    [Fact]
    public void Creation_waits_while_a_dependency_is_not_running()
    {
        var service = Service(replicas: 2, dependsOn: ["db", "cache"]);

        var plan = Plan(service, [], unreadyDependencies: ["db", "cache"]);

        Assert.Empty(plan.Actions);
        Assert.Equal(OutcomeKind.WaitingForDependencies, plan.Outcome.Kind);
        Assert.Equal("Waiting for cache, db to be Running", plan.Outcome.Message);
        Assert.Null(plan.Outcome.SuggestedTrigger);
        Assert.Equal(new PlannerSettings().DependencyRequeue, plan.RequeueAfter);
    }

    [Fact]
    public void Running_replicas_are_left_alone_when_a_dependency_goes_down()
    {
        var service = Service(replicas: 2, dependsOn: ["db"]);

        var plan = Plan(service, Healthy(HashOf(service), 0, 1), unreadyDependencies: ["db"]);

        Assert.Empty(plan.Actions);
        Assert.Equal(OutcomeKind.AllReady, plan.Outcome.Kind);
    }

    [Fact]
    public void A_rollout_waits_while_a_dependency_is_not_running()
    {
        var service = Service(replicas: 2, dependsOn: ["db"]);

        var plan = Plan(service, Healthy(OldHash, 0, 1), unreadyDependencies: ["db"]);

        Assert.Empty(plan.Actions);
        Assert.Equal(OutcomeKind.WaitingForDependencies, plan.Outcome.Kind);
    }

    [Fact]
    public void An_invalid_spec_creates_nothing_and_says_what_is_wrong()
    {
        var service = Service(replicas: -1);

        var plan = Plan(service, []);

        Assert.Empty(plan.Actions);
        Assert.Equal(OutcomeKind.Invalid, plan.Outcome.Kind);
        Assert.Equal(ResourceTrigger.SpecInvalid, plan.Outcome.SuggestedTrigger);
        Assert.Contains("spec.replicas: must be between 0 and 1000 (got -1)", plan.Outcome.Message);
    }

    [Fact]
    public void Deletion_removes_every_container_then_reports_removed()
    {
        var service = Service(replicas: 2, deletionRequested: true);
        var world = new SimulatedWorld([Container(0, HashOf(service)), Container(1, OldHash, ContainerState.Exited, ContainerHealth.None, 1)]);

        var plan = Plan(service, world.Containers);
        world.Apply(plan, Now);
        var after = Plan(service, world.Containers);

        Assert.Equal([1, 0], SlotsOf<RemoveContainer>(plan));
        Assert.Equal(OutcomeKind.TearingDown, plan.Outcome.Kind);
        Assert.Equal(ResourceTrigger.DeletionRequested, plan.Outcome.SuggestedTrigger);
        Assert.Empty(after.Actions);
        Assert.Equal(OutcomeKind.Removed, after.Outcome.Kind);
        Assert.Equal(ResourceTrigger.RemovalFinished, after.Outcome.SuggestedTrigger);
    }

    [Fact]
    public void A_service_whose_spec_became_invalid_can_still_be_deleted()
    {
        var service = Service(replicas: 1, deletionRequested: true);
        var invalid = service with { Spec = service.Spec with { Replicas = -5 } };

        var plan = Plan(invalid, [Container(0, HashOf(service))]);

        Assert.Equal([0], SlotsOf<RemoveContainer>(plan));
        Assert.Equal(OutcomeKind.TearingDown, plan.Outcome.Kind);
    }

    [Fact]
    public void Changing_replicas_only_never_touches_running_replicas()
    {
        var service = Service(replicas: 3);
        var before = Plan(service, Healthy(HashOf(service), 0, 1, 2));
        var scaled = Service(replicas: 5);

        var plan = Plan(scaled, Healthy(HashOf(service), 0, 1, 2));

        Assert.Empty(before.Actions);
        Assert.Equal([3, 4], SlotsOf<CreateReplica>(plan));
        Assert.Equal([typeof(EnsureNetwork), typeof(CreateReplica), typeof(CreateReplica)], plan.Actions.Select(a => a.GetType()));
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(2, 5)]
    public void A_start_first_rollout_never_drops_below_the_desired_ready_count(int replicas, int parallelism)
    {
        var service = Service(replicas: replicas, parallelism: parallelism, order: UpdateOrder.StartFirst);
        var hash = HashOf(service);
        var world = new SimulatedWorld(Healthy(OldHash, [.. Enumerable.Range(0, replicas)]));

        var batchSizes = RollOut(service, world, (plan, w) =>
        {
            Assert.True(w.Containers.Count(c => c.Health == ContainerHealth.Healthy) >= replicas,
                "start-first removed an old replica before its replacement was healthy");
            Assert.True(w.Containers.Count <= replicas + parallelism, "more than parallelism extra replicas at once");
        });

        // Each new replica is created once, never more than parallelism at a time (the last step only removes).
        Assert.All(batchSizes, b => Assert.InRange(b, 0, parallelism));
        Assert.Equal(replicas, batchSizes.Sum());
        Assert.Equal(replicas, world.Containers.Count);
        Assert.All(world.Containers, c => Assert.Equal(hash, c.SpecHash));
        Assert.Equal(world.Containers.Count, world.Containers.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(2, 5)]
    public void A_stop_first_rollout_removes_at_most_parallelism_old_replicas_at_a_time(int replicas, int parallelism)
    {
        var service = Service(replicas: replicas, parallelism: parallelism, order: UpdateOrder.StopFirst);
        var world = new SimulatedWorld(Healthy(OldHash, [.. Enumerable.Range(0, replicas)]));

        RollOut(service, world, (plan, w) =>
        {
            Assert.True(w.Containers.Count <= replicas, "stop-first ran more replicas than desired");
            Assert.True(w.Containers.Count(c => c.Health == ContainerHealth.Healthy) >= replicas - parallelism);
            // Stop-first reuses the freed slots, so the names stay zpm-acme-web-0..n-1.
            Assert.All(w.Containers, c => Assert.InRange(c.Replica, 0, replicas - 1));
        });

        Assert.Equal(replicas, world.Containers.Count);
        Assert.All(world.Containers, c => Assert.Equal(HashOf(service), c.SpecHash));
    }

    [Fact]
    public void A_fixed_host_port_makes_the_rollout_stop_first_because_the_port_cannot_be_bound_twice()
    {
        var service = Service(replicas: 1, order: UpdateOrder.StartFirst, ports: [new PortSpec(8080, 18080)]);

        var plan = Plan(service, Healthy(OldHash, 0));

        Assert.Equal([typeof(EnsureNetwork), typeof(RemoveContainer), typeof(CreateReplica)], plan.Actions.Select(a => a.GetType()));
        Assert.Equal(0, ((CreateReplica)plan.Actions[2]).Container.Replica);
    }

    [Fact]
    public void The_next_batch_waits_until_the_new_replicas_are_healthy()
    {
        var service = Service(replicas: 3, parallelism: 1);
        var world = new SimulatedWorld(Healthy(OldHash, 0, 1, 2));

        var first = Plan(service, world.Containers);
        world.Apply(first, Now);
        var whileStarting = Plan(service, world.Containers, now: Now.AddSeconds(30));

        Assert.Equal([3], SlotsOf<CreateReplica>(first));
        Assert.Equal([typeof(EnsureNetwork), typeof(CreateReplica)], first.Actions.Select(a => a.GetType()));
        Assert.Empty(whileStarting.Actions);
        Assert.Equal(OutcomeKind.Progressing, whileStarting.Outcome.Kind);
        Assert.Equal(PlanOutcome.Reasons.RollingUpdate, whileStarting.Outcome.Reason);
    }

    [Fact]
    public void A_new_replica_that_never_becomes_healthy_stops_the_rollout_and_keeps_the_old_replicas()
    {
        var settings = new PlannerSettings { RolloutDeadline = TimeSpan.FromMinutes(2) };
        var service = Service(replicas: 3, parallelism: 1);
        var world = new SimulatedWorld(Healthy(OldHash, 0, 1, 2));
        world.Apply(Plan(service, world.Containers, settings: settings), Now);

        var late = Plan(service, world.Containers, now: Now.AddMinutes(3), settings: settings);

        Assert.Empty(late.Actions);
        Assert.Equal(OutcomeKind.Degraded, late.Outcome.Kind);
        Assert.Equal(PlanOutcome.Reasons.RolloutStalled, late.Outcome.Reason);
        Assert.Equal(ResourceTrigger.ReplicaUnhealthy, late.Outcome.SuggestedTrigger);
        Assert.Contains("zpm-acme-web-3 was not ready within 60s", late.Outcome.Message);
        Assert.Contains("3 replica(s) of the previous spec kept", late.Outcome.Message);
        Assert.Equal(3, world.Containers.Count(c => c.SpecHash == OldHash));
    }

    [Fact]
    public void An_unhealthy_new_replica_stops_the_rollout_at_once_and_old_replicas_keep_being_healed()
    {
        var service = Service(replicas: 2, parallelism: 1);
        var hash = HashOf(service);
        var observed = new[]
        {
            Container(0, OldHash),
            Container(1, OldHash, ContainerState.Exited, ContainerHealth.None, 1),
            Container(2, hash, health: ContainerHealth.Unhealthy, startedAt: Now.AddSeconds(-20)),
        };

        var plan = Plan(service, observed);

        Assert.Equal([1], SlotsOf<RestartContainer>(plan));
        Assert.Single(plan.Actions);
        Assert.Equal(PlanOutcome.Reasons.RolloutStalled, plan.Outcome.Reason);
        Assert.Contains("zpm-acme-web-2 is unhealthy", plan.Outcome.Message);
    }

    [Fact]
    public void Fixing_the_spec_after_a_stalled_rollout_replaces_the_failed_replica_too()
    {
        var broken = Service(replicas: 2, image: "zpm/broken:1");
        var fixedService = Service(replicas: 2, image: "zpm/busybox:2");
        var world = new SimulatedWorld([.. Healthy(OldHash, 0, 1), Container(2, HashOf(broken), health: ContainerHealth.Unhealthy)]);

        RollOut(fixedService, world, (_, _) => { });

        Assert.Equal(2, world.Containers.Count);
        Assert.All(world.Containers, c => Assert.Equal(HashOf(fixedService), c.SpecHash));
    }

    [Fact]
    public void A_rollout_shows_its_progress()
    {
        var service = Service(replicas: 3, parallelism: 1);
        var hash = HashOf(service);

        var plan = Plan(service, [.. Healthy(OldHash, 1, 2), Container(0, hash), Container(3, hash, health: ContainerHealth.Starting, startedAt: Now)]);

        Assert.Equal("Rolling update (StartFirst, 1 at a time): 1 of 3 replica(s) updated", plan.Outcome.Message);
    }

    /// <summary>Plans, applies and lets new replicas become healthy until nothing is left to do; returns the batch sizes.</summary>
    private static List<int> RollOut(ServiceSpec service, SimulatedWorld world, Action<ReconcilePlan, SimulatedWorld> afterEachStep)
    {
        var batches = new List<int>();
        for (var step = 0; step < 50; step++)
        {
            var plan = Plan(service, world.Containers, now: Now.AddSeconds(step));
            if (!plan.HasActions)
            {
                Assert.Equal(OutcomeKind.AllReady, plan.Outcome.Kind);
                return batches;
            }

            batches.Add(plan.Actions.OfType<CreateReplica>().Count());
            world.Apply(plan, Now.AddSeconds(step));
            afterEachStep(plan, world);

            // Re-planning right away, while the new replicas are still starting, must not add work.
            Assert.Empty(Plan(service, world.Containers, now: Now.AddSeconds(step)).Actions);
            world.BecomeHealthy();
            afterEachStep(plan, world);
        }

        Assert.Fail("the rollout did not converge in 50 steps");
        return batches;
    }
}
