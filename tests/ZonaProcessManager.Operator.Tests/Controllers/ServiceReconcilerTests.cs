using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Operator.Controllers;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Tests.Controllers;

public sealed class ServiceReconcilerTests
{
    [Fact]
    public async Task A_new_service_gets_its_replicas_and_becomes_Running_with_full_status()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2));

        var result = await harness.ConvergeAsync(key);

        Assert.True(result.IsSuccess);
        Assert.Equal(["zpm-system-web-0", "zpm-system-web-1"], harness.Runtime.ContainersOf(key).Select(c => c.Name));
        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Running, status.Phase);
        Assert.Equal(new ReplicaCounts(2, 2), status.Replicas);
        Assert.Equal(harness.Runtime.ContainersOf(key)[0].SpecHash, status.ObservedSpecHash);
        Assert.Equal(2, status.Containers.Count);
        Assert.All(status.Containers, c => Assert.Equal("running", c.State));
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: true });
        Assert.Contains(status.Conditions, c => c is { Type: "Progressing", Status: false });
        Assert.Null(status.LastError);
        Assert.Equal(["SpecApplied", "AllReplicasReady"], harness.Store.Events.Select(e => e.Reason));
    }

    [Fact]
    public async Task Replicas_without_a_health_check_are_Running_after_the_one_reconcile_that_started_them()
    {
        // No Docker event says "started and nothing to probe", so waiting for the next progress requeue would leave
        // every new service in Creating for seconds.
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2));

        var result = await harness.ReconcileAsync(key);

        Assert.True(result.IsSuccess);
        Assert.Null(result.RequeueAfter);
        Assert.Equal(2, harness.Runtime.ContainersOf(key).Count);
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(key)!.Phase);
        Assert.Equal(new ReplicaCounts(2, 2), harness.Store.StatusOf(key)!.Replicas);
        Assert.Equal(["SpecApplied", "AllReplicasReady"], harness.Store.Events.Select(e => e.Reason));
    }

    [Fact]
    public async Task Scaling_up_lists_once_and_shows_the_kept_and_the_new_replicas_in_replica_order()
    {
        // After a plan that only adds replicas, the new ones are inspected by id rather than listing every container again.
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 1));
        await harness.ConvergeAsync(key);
        harness.Store.Put(Service("web", replicas: 3));
        var (listsBefore, inspectionsBefore) = (harness.Runtime.Lists, harness.Runtime.Inspections);

        var result = await harness.ReconcileAsync(key);

        Assert.True(result.IsSuccess);
        Assert.Equal(1, harness.Runtime.Lists - listsBefore);
        Assert.Equal(2, harness.Runtime.Inspections - inspectionsBefore);
        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Running, status.Phase);
        Assert.Equal(new ReplicaCounts(3, 3), status.Replicas);
        Assert.Equal(["zpm-system-web-0", "zpm-system-web-1", "zpm-system-web-2"], status.Containers.Select(c => c.Name));
    }

    [Fact]
    public async Task A_replaced_replica_is_observed_by_listing_again_so_the_removed_one_is_not_shown()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 1));
        await harness.ConvergeAsync(key);
        var oldId = harness.Runtime.ContainersOf(key).Single().Id;
        harness.Store.Put(Service("web", replicas: 1, env: new Dictionary<string, string> { ["A"] = "2" }));

        await harness.ConvergeAsync(key);

        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Running, status.Phase);
        Assert.DoesNotContain(status.Containers, c => c.Id == oldId);
        Assert.Single(status.Containers);
    }

    [Fact]
    public async Task A_replica_still_starting_keeps_the_service_Creating_and_asks_to_look_again()
    {
        var harness = new ReconcilerHarness();
        harness.Runtime.HealthByImage[Image] = ContainerHealth.Starting;
        var key = harness.Store.Put(Service("web"));

        var first = await harness.ReconcileAsync(key);
        var second = await harness.ReconcileAsync(key);

        Assert.True(second.IsSuccess);
        Assert.NotNull(first.RequeueAfter);
        Assert.NotNull(second.RequeueAfter);
        Assert.Equal(ResourcePhase.Creating, harness.Store.StatusOf(key)!.Phase);
        Assert.Equal(new ReplicaCounts(1, 0), harness.Store.StatusOf(key)!.Replicas);

        harness.Runtime.SetHealthOfAll(Image, ContainerHealth.Healthy);
        await harness.ConvergeAsync(key);
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(key)!.Phase);
    }

    [Fact]
    public async Task Scaling_up_then_down_adds_and_removes_the_highest_replicas()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 1));
        await harness.ConvergeAsync(key);
        var firstId = harness.Runtime.ContainersOf(key).Single().Id;

        harness.Store.Put(Service("web", replicas: 3));
        await harness.ConvergeAsync(key);
        Assert.Equal(["zpm-system-web-0", "zpm-system-web-1", "zpm-system-web-2"], harness.Runtime.ContainersOf(key).Select(c => c.Name));
        Assert.Equal(new ReplicaCounts(3, 3), harness.Store.StatusOf(key)!.Replicas);

        harness.Store.Put(Service("web", replicas: 1));
        await harness.ConvergeAsync(key);
        var remaining = Assert.Single(harness.Runtime.ContainersOf(key));
        Assert.Equal(firstId, remaining.Id); // the original replica was never touched
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(key)!.Phase);
    }

    [Fact]
    public async Task A_spec_change_rolls_one_replica_at_a_time_starting_each_new_one_before_removing_an_old_one()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2, env: new Dictionary<string, string> { ["V"] = "1" }));
        await harness.ConvergeAsync(key);
        var oldHash = harness.Store.StatusOf(key)!.ObservedSpecHash!;
        harness.Runtime.ClearCalls();

        harness.Store.Put(Service("web", replicas: 2, env: new Dictionary<string, string> { ["V"] = "2" },
            update: new UpdateStrategy { Order = UpdateOrder.StartFirst, Parallelism = 1 }));
        await harness.ConvergeAsync(key);

        var newHash = harness.Store.StatusOf(key)!.ObservedSpecHash!;
        Assert.NotEqual(oldHash, newHash);
        Assert.All(harness.Runtime.ContainersOf(key), c => Assert.Equal(newHash, c.SpecHash));
        // Each pass that creates ensures the tenant's network first; the order of creates and removes is what matters here.
        var calls = harness.Runtime.Calls.Where(c => !c.StartsWith("network ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, calls.Count);
        Assert.StartsWith("create", calls[0]);
        Assert.StartsWith("remove", calls[1]);
        Assert.StartsWith("create", calls[2]);
        Assert.StartsWith("remove", calls[3]);
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(key)!.Phase);
    }

    [Fact]
    public async Task A_stop_first_rollout_removes_an_old_replica_before_creating_its_replacement()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 1));
        await harness.ConvergeAsync(key);
        harness.Runtime.ClearCalls();

        harness.Store.Put(Service("web", replicas: 1, image: "zpm/other:latest", update: new UpdateStrategy { Order = UpdateOrder.StopFirst }));
        await harness.ConvergeAsync(key);

        Assert.Equal(["network zpm-tenant-system", "remove zpm-system-web-0", "create zpm-system-web-0"], harness.Runtime.Calls.Select(c => string.Join(' ', c.Split(' ').Take(2))));
    }

    [Fact]
    public async Task A_rollout_with_failure_action_pause_whose_new_replica_never_gets_healthy_stops_keeps_the_old_replicas_and_goes_Degraded()
    {
        var harness = new ReconcilerHarness();
        var pause = new UpdateStrategy { FailureAction = UpdateFailureAction.Pause };
        var key = harness.Store.Put(Service("web", replicas: 2, update: pause));
        await harness.ConvergeAsync(key);
        var oldIds = harness.Runtime.ContainersOf(key).Select(c => c.Id).ToHashSet();

        harness.Runtime.HealthByImage["zpm/broken:latest"] = ContainerHealth.Starting;
        harness.Store.Put(Service("web", replicas: 2, image: "zpm/broken:latest", update: pause));
        await harness.ReconcileAsync(key);
        harness.Time.Advance(TimeSpan.FromSeconds(61)); // past the rollout health deadline
        await harness.ReconcileAsync(key);
        await harness.ReconcileAsync(key);

        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: false, Reason: PlanOutcome.Reasons.RolloutStalled });
        Assert.Contains("was not ready within 60s", status.Message);
        Assert.Subset(harness.Runtime.ContainersOf(key).Select(c => c.Id).ToHashSet(), oldIds); // both old replicas kept
        Assert.Equal(3, harness.Runtime.ContainersOf(key).Count); // only one new replica was tried
        Assert.Single(harness.Store.Events, e => e.Reason == PlanOutcome.Reasons.RolloutStalled); // no event spam on repeats
    }

    [Fact]
    public async Task An_invalid_spec_is_Degraded_with_a_clear_message_and_gets_no_container()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: -2));

        var result = await harness.ReconcileAsync(key);

        Assert.True(result.IsSuccess); // retrying cannot fix a document; its next edit will be watched
        Assert.Null(result.RequeueAfter);
        Assert.Empty(harness.Runtime.Calls);
        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Contains("replicas", status.Message);
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: false, Reason: PlanOutcome.Reasons.InvalidSpec });
    }

    [Fact]
    public async Task An_unreadable_document_is_reported_while_a_valid_one_still_runs()
    {
        var harness = new ReconcilerHarness();
        var broken = new ResourceKey(ServiceSpec.KindName, "system", "broken");
        harness.Store.PutUnreadable(broken, "spec.replicas must be an integer >= 0, got \"many\"");
        var good = harness.Store.Put(Service("good"));

        await harness.ConvergeAsync(broken);
        await harness.ConvergeAsync(good);

        Assert.Equal(ResourcePhase.Degraded, harness.Store.StatusOf(broken)!.Phase);
        Assert.Equal("Invalid spec: spec.replicas must be an integer >= 0, got \"many\"", harness.Store.StatusOf(broken)!.Message);
        Assert.Empty(harness.Runtime.ContainersOf(broken));
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(good)!.Phase);

        var writes = harness.Store.StatusWrites;
        await harness.ReconcileAsync(broken);
        Assert.Equal(writes, harness.Store.StatusWrites); // nothing new to say: no churn
    }

    [Fact]
    public async Task A_deleted_document_has_its_containers_removed()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2));
        await harness.ConvergeAsync(key);

        harness.Store.Remove(key);
        var result = await harness.ConvergeAsync(key);

        Assert.True(result.IsSuccess);
        Assert.Empty(harness.Runtime.ContainersOf(key));
        Assert.Contains(harness.Store.Events, e => e.Reason == "ContainersRemoved");
    }

    [Fact]
    public async Task Deletion_requested_tears_down_shows_Removed_then_deletes_the_document()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2));
        await harness.ConvergeAsync(key);
        ServiceStatus? lastStatusBeforeDelete = null;

        harness.Store.Put(Service("web", replicas: 2, deletionRequested: true));
        var result = await harness.ReconcileAsync(key);
        lastStatusBeforeDelete = harness.Store.StatusOf(key);

        Assert.True(result.IsSuccess);
        Assert.Empty(harness.Runtime.ContainersOf(key));
        Assert.False(harness.Store.Exists(key));
        Assert.Equal([key], harness.Store.Deleted);
        Assert.Null(lastStatusBeforeDelete); // the document is gone
        Assert.Contains(harness.Store.Events, e => e.Reason == PlanOutcome.Reasons.Terminating);
        Assert.Contains(harness.Store.Events, e => e.Reason == PlanOutcome.Reasons.RemovalFinished);
    }

    [Fact]
    public async Task A_docker_error_shows_in_status_and_events_and_fails_the_reconcile_for_backoff()
    {
        var harness = new ReconcilerHarness();
        harness.Runtime.CreateErrorByImage["zpm/missing:latest"] = "No such image: zpm/missing:latest";
        var key = harness.Store.Put(Service("web", image: "zpm/missing:latest"));

        var result = await harness.ReconcileAsync(key);

        Assert.False(result.IsSuccess);
        Assert.Contains("No such image: zpm/missing:latest", result.Error);
        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Equal("No such image: zpm/missing:latest", status.LastError);
        Assert.Contains(harness.Store.Events, e => e.Reason == "DockerError" && e.Message.Contains("No such image", StringComparison.Ordinal));

        harness.Runtime.CreateErrorByImage.Clear();
        await harness.ConvergeAsync(key);
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(key)!.Phase);
        Assert.Null(harness.Store.StatusOf(key)!.LastError);
    }

    [Fact]
    public async Task Existing_healthy_containers_with_the_right_hash_are_adopted_without_any_docker_call_or_status_write()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2));
        await harness.ConvergeAsync(key);
        var before = harness.Runtime.ContainersOf(key);
        harness.Runtime.ClearCalls();
        var writes = harness.Store.StatusWrites;
        var events = harness.Store.Events.Count;

        // A restarted operator knows nothing but what the store and Docker say.
        var restarted = new ServiceReconcilerForRestart(harness);
        var result = await restarted.ReconcileAsync(key);

        Assert.True(result.IsSuccess);
        Assert.Null(result.RequeueAfter);
        Assert.Empty(harness.Runtime.Calls);
        Assert.Equal(writes, harness.Store.StatusWrites);
        Assert.Equal(events, harness.Store.Events.Count);
        Assert.Equal(before, harness.Runtime.ContainersOf(key));
    }

    [Fact]
    public async Task A_replica_removed_by_hand_is_recreated_and_the_service_stays_Running()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2));
        await harness.ConvergeAsync(key);
        var victim = harness.Runtime.ContainersOf(key)[1];

        harness.Runtime.RemoveBehindTheOperatorsBack(victim.Id);
        await harness.ConvergeAsync(key);

        Assert.Equal(["zpm-system-web-0", "zpm-system-web-1"], harness.Runtime.ContainersOf(key).Select(c => c.Name));
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(key)!.Phase);
    }

    [Fact]
    public async Task A_killed_replica_makes_the_service_Degraded_until_it_is_healed()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web"));
        await harness.ConvergeAsync(key);
        var victim = harness.Runtime.ContainersOf(key).Single();

        harness.Runtime.Mutate(victim.Id, c => c with { State = ContainerState.Exited, ExitCode = 137 });
        await harness.ReconcileAsync(key);

        Assert.Equal(ResourcePhase.Degraded, harness.Store.StatusOf(key)!.Phase);
        Assert.Contains($"restart {victim.Name}", harness.Runtime.Calls);

        await harness.ConvergeAsync(key);
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(key)!.Phase);
        Assert.Equal(["Degraded", "Running"], harness.Store.Events.Skip(2).Select(e => e.Type == EventType.Warning ? "Degraded" : "Running"));
    }

    [Fact]
    public async Task A_service_waits_for_its_dependencies_to_be_Running_before_creating_anything()
    {
        var harness = new ReconcilerHarness();
        var db = harness.Store.Put(Service("db"));
        var api = harness.Store.Put(Service("api", dependsOn: ["db"]));

        var waiting = await harness.ReconcileAsync(api);

        Assert.True(waiting.IsSuccess);
        Assert.NotNull(waiting.RequeueAfter);
        Assert.Empty(harness.Runtime.ContainersOf(api));
        Assert.Contains("db", harness.Store.StatusOf(api)!.Message);

        await harness.ConvergeAsync(db);
        await harness.ConvergeAsync(api);
        Assert.Single(harness.Runtime.ContainersOf(api));
        Assert.Equal(ResourcePhase.Running, harness.Store.StatusOf(api)!.Phase);
    }

    /// <summary>A fresh reconciler over the same store and Docker, as after an operator restart.</summary>
    private sealed class ServiceReconcilerForRestart(ReconcilerHarness harness)
    {
        private readonly Operator.Controllers.ServiceReconciler _reconciler = new(
            harness.Store,
            new Operator.Workloads.SingleHostWorkloadRuntime(
                harness.Runtime, new ReconcilePlanner(), new ExpectedContainerStarts(harness.Time), harness.Time,
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance),
            harness.Trigger, harness.Time, harness.Health,
            harness.Publisher, harness.Events,
            new Operator.Revisions.RevisionRecorder(harness.RevisionStore, harness.Settings, harness.Time),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Operator.Controllers.ServiceReconciler>.Instance);

        public Task<ReconciliationResult> ReconcileAsync(ResourceKey key) => _reconciler.ReconcileAsync(key, CancellationToken.None);
    }
}
