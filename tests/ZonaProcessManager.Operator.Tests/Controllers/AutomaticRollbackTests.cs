using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Revisions;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Controllers;

/// <summary>Failure action rollback on the single-host backend, with fake Docker and store.</summary>
public sealed class AutomaticRollbackTests
{
    private const string Broken = "zpm/broken:latest";

    /// <summary>A health-checked service (10 s interval, 5 s timeout, 3 retries: its verdict within 60 s).</summary>
    private static ServiceSpec Checked(ServiceSpec service) =>
        service with { Spec = service.Spec with { HealthCheck = new HealthCheckSpec { Http = new HttpProbe(8080) } } };

    private static async Task<(ReconcilerHarness Harness, ResourceKey Key, HashSet<string> OldIds)> RolledBackServiceAsync(UpdateOrder order = UpdateOrder.StartFirst)
    {
        var harness = new ReconcilerHarness();
        var update = new UpdateStrategy { Order = order };
        var key = harness.Store.Put(Checked(Service("web", replicas: 2, update: update)));
        await harness.ConvergeAsync(key);
        var oldIds = harness.Runtime.ContainersOf(key).Select(c => c.Id).ToHashSet();

        harness.Runtime.HealthByImage[Broken] = ContainerHealth.Unhealthy;
        harness.Store.Put(Checked(Service("web", replicas: 2, image: Broken, update: update)));
        await harness.ConvergeAsync(key);
        return (harness, key, oldIds);
    }

    [Fact]
    public async Task A_start_first_rollout_to_an_unhealthy_image_goes_back_to_the_previous_revision_keeping_the_old_replicas()
    {
        var (harness, key, oldIds) = await RolledBackServiceAsync();

        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: false, Reason: PlanOutcome.Reasons.RolledBack });
        Assert.Equal(RolloutState.RolledBack, status.Rollout?.State);
        Assert.Equal(1, status.Rollout?.ToRevision);
        Assert.Equal(2, status.Rollout?.FromRevision);
        Assert.Equal(oldIds, harness.Runtime.ContainersOf(key).Select(c => c.Id).ToHashSet()); // never stopped
        Assert.All(harness.Runtime.ContainersOf(key), c => Assert.Equal(Image, harness.Runtime.ImageOf(c)));
        var rolledBack = harness.Store.Events.Where(e => e.Reason == PlanOutcome.Reasons.RolledBack).ToList();
        Assert.NotEmpty(rolledBack);
        Assert.All(rolledBack, e => Assert.Equal(EventType.Warning, e.Type));
        Assert.Contains(rolledBack, e => e.Message.Contains("revision 1", StringComparison.Ordinal) && e.Message.Contains("is unhealthy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rolled_back_service_does_not_try_the_failed_spec_again()
    {
        var (harness, key, _) = await RolledBackServiceAsync();
        var events = harness.Store.Events.Count;
        harness.Runtime.ClearCalls();

        for (var i = 0; i < 5; i++)
        {
            harness.Time.Advance(TimeSpan.FromMinutes(1));
            await harness.ReconcileAsync(key);
        }

        Assert.Empty(harness.Runtime.Calls); // no create, remove or restart
        Assert.Equal(events, harness.Store.Events.Count);
        Assert.Equal(RolloutState.RolledBack, harness.Store.StatusOf(key)!.Rollout?.State);
    }

    [Fact]
    public async Task A_restarted_operator_keeps_the_rollback_from_status_and_the_revision_store()
    {
        var (harness, key, oldIds) = await RolledBackServiceAsync();
        var restarted = new ServiceReconciler(harness.Store, harness.Workloads, harness.Trigger, harness.Time, harness.Health, harness.Publisher,
            harness.Events, new RevisionRecorder(harness.RevisionStore, harness.Settings, harness.Time), NullLogger<ServiceReconciler>.Instance);

        var result = await restarted.ReconcileAsync(key, CancellationToken.None);

        Assert.True(result.IsSuccess);
        Assert.Equal(oldIds, harness.Runtime.ContainersOf(key).Select(c => c.Id).ToHashSet());
        Assert.Equal(RolloutState.RolledBack, harness.Store.StatusOf(key)!.Rollout?.State);
        var stored = await harness.Store.GetAsync(key, CancellationToken.None);
        Assert.False(restarted.IsSettled(stored!, ObservedWorkload.OfContainers(key, harness.Runtime.ContainersOf(key))));
    }

    [Fact]
    public async Task A_stop_first_rollout_to_an_unhealthy_image_restores_the_removed_old_replica()
    {
        var (harness, key, _) = await RolledBackServiceAsync(UpdateOrder.StopFirst);

        var containers = harness.Runtime.ContainersOf(key);
        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal(Image, harness.Runtime.ImageOf(c)));
        Assert.Equal(RolloutState.RolledBack, harness.Store.StatusOf(key)!.Rollout?.State);
    }

    [Fact]
    public async Task A_new_spec_after_a_rollback_rolls_out_normally()
    {
        var (harness, key, _) = await RolledBackServiceAsync();

        harness.Store.Put(Checked(Service("web", replicas: 2, image: "zpm/fixed:latest")));
        await harness.ConvergeAsync(key);

        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Running, status.Phase);
        Assert.Null(status.Rollout);
        Assert.All(harness.Runtime.ContainersOf(key), c => Assert.Equal("zpm/fixed:latest", harness.Runtime.ImageOf(c)));
    }

    [Fact]
    public async Task Without_a_previous_revision_a_failed_rollout_is_paused_and_says_so()
    {
        var (harness, key, _) = await RolledBackServiceAsync();
        await harness.RevisionStore.DeleteAllAsync(key, CancellationToken.None);

        harness.Store.Put(Checked(Service("web", replicas: 2, image: "zpm/broken2:latest")));
        harness.Runtime.HealthByImage["zpm/broken2:latest"] = ContainerHealth.Unhealthy;
        var restarted = new ServiceReconciler(harness.Store, harness.Workloads, harness.Trigger, harness.Time, harness.Health, harness.Publisher,
            harness.Events, new RevisionRecorder(harness.RevisionStore, harness.Settings, harness.Time), NullLogger<ServiceReconciler>.Instance);
        for (var i = 0; i < 4; i++)
        {
            var result = await restarted.ReconcileAsync(key, CancellationToken.None);
            harness.Time.Advance(result.RequeueAfter ?? TimeSpan.FromSeconds(1));
        }

        var status = harness.Store.StatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Null(status.Rollout);
        Assert.Contains("no previous revision to roll back to", status.Message);
        Assert.Contains(harness.Runtime.ContainersOf(key), c => harness.Runtime.ImageOf(c) == Image); // old replicas kept
    }
}
