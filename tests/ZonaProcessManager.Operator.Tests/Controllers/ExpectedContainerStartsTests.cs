using ZonaProcessManager.Testing.Time;
using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Controllers;

/// <summary>
/// The start events of containers a reconcile created and already saw running must not cost another reconcile each;
/// every other container event still wakes the owner.
/// </summary>
public sealed class ExpectedContainerStartsTests
{
    [Fact]
    public void An_expected_start_is_consumed_once_and_an_unknown_one_never()
    {
        var expected = new ExpectedContainerStarts(new ManualTimeProvider());
        expected.Expect("c1");

        Assert.True(expected.TryConsume("c1"));
        Assert.False(expected.TryConsume("c1"));
        Assert.False(expected.TryConsume("c2"));
    }

    [Fact]
    public void An_expectation_whose_event_never_came_expires_and_is_dropped()
    {
        var time = new ManualTimeProvider();
        var expected = new ExpectedContainerStarts(time);
        expected.Expect("lost");

        time.Advance(ExpectedContainerStarts.Lifetime + TimeSpan.FromSeconds(1));
        expected.Expect("fresh");

        Assert.Equal(1, expected.Count);
        Assert.False(expected.TryConsume("lost"));
    }

    [Fact]
    public async Task Replicas_a_reconcile_started_have_their_start_events_expected_by_name()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2));

        await harness.ReconcileAsync(key);

        Assert.Equal(2, harness.ExpectedStarts.Count);
        Assert.All(harness.Runtime.ContainersOf(key), container => Assert.True(harness.ExpectedStarts.TryConsume(container.Name)));
    }

    [Fact]
    public async Task A_failed_create_expects_nothing_and_a_restarted_replica_is_not_expected()
    {
        var harness = new ReconcilerHarness();
        harness.Runtime.CreateErrorByImage["zpm/broken:latest"] = "No such image: zpm/broken:latest";
        var broken = harness.Store.Put(Service("broken", image: "zpm/broken:latest"));
        await harness.ReconcileAsync(broken);
        Assert.Equal(0, harness.ExpectedStarts.Count);

        var key = harness.Store.Put(Service("web"));
        await harness.ConvergeAsync(key);
        var victim = harness.Runtime.ContainersOf(key).Single();
        Assert.True(harness.ExpectedStarts.TryConsume(victim.Name)); // its start event came
        harness.Runtime.Mutate(victim.Id, c => c with { State = ContainerState.Exited, ExitCode = 137 });
        await harness.ReconcileAsync(key);

        Assert.Contains($"restart {victim.Name}", harness.Runtime.Calls);
        Assert.False(harness.ExpectedStarts.TryConsume(victim.Name));
    }

    [Fact]
    public async Task A_rollout_step_whose_starts_were_absorbed_asks_to_look_again_at_once()
    {
        // A start-first rollout of 2 replicas creates one new replica, then must remove an old one once that one has run
        // for monitorSeconds: the start event was absorbed and no event marks the window's end, so the reconcile itself
        // asks to go on then.
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 2, env: new Dictionary<string, string> { ["V"] = "1" }));
        await harness.ConvergeAsync(key);
        harness.Store.Put(Service("web", replicas: 2, env: new Dictionary<string, string> { ["V"] = "2" },
            update: new UpdateStrategy { Order = UpdateOrder.StartFirst, Parallelism = 1 }));

        var step = await harness.ReconcileAsync(key);

        Assert.True(step.IsSuccess);
        Assert.Equal(TimeSpan.FromSeconds(5.1), step.RequeueAfter); // the default monitorSeconds (5) and a tenth
        harness.Time.Advance(step.RequeueAfter!.Value);
        await harness.ReconcileAsync(key);
        Assert.Contains(harness.Runtime.Calls, c => c.StartsWith("remove", StringComparison.Ordinal)); // an old replica went
    }

    [Fact]
    public async Task Only_an_expected_start_event_is_not_queued_die_and_unexpected_starts_are()
    {
        var settings = new OperatorSettings();
        var time = new ManualTimeProvider();
        var expected = new ExpectedContainerStarts(time);
        var kinds = OperatorKinds.Registered();
        await using var queue = new ReconcileQueue(kinds, settings, time, NullLogger<ReconcileQueue>.Instance);
        var harness = new ReconcilerHarness();
        var resync = new Resync(
            new ResourceEnumerator(harness.Store, harness.Integrations, harness.Workloads, kinds, settings, harness.Health), harness.Reconciler, queue, harness.Health,
            NullLogger<Resync>.Instance);
        var handler = new EnqueueOnChange(queue, resync, kinds, settings, expected, NullLogger<EnqueueOnChange>.Instance);
        var web = new ResourceKey(ServiceSpec.KindName, "system", "web");
        var api = new ResourceKey(ServiceSpec.KindName, "system", "api");
        var db = new ResourceKey(ServiceSpec.KindName, "system", "db");
        expected.Expect("zpm-system-web-0", "zpm-system-api-0");

        await handler.Handle(new ContainerEventObserved(new ContainerEvent(web, "id-web", "start", time.GetUtcNow(), "zpm-system-web-0")), CancellationToken.None);
        Assert.Empty(queue.Ready);

        await handler.Handle(new ContainerEventObserved(new ContainerEvent(api, "id-api", "die", time.GetUtcNow(), "zpm-system-api-0")), CancellationToken.None);
        await handler.Handle(new ContainerEventObserved(new ContainerEvent(db, "id-db", "start", time.GetUtcNow(), "zpm-system-db-0")), CancellationToken.None);
        await handler.Handle(new ContainerEventObserved(new ContainerEvent(web, "id-web", "start", time.GetUtcNow(), "zpm-system-web-0")), CancellationToken.None);

        Assert.Equal([api, db, web], queue.Ready);
    }
}
