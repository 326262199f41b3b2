using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Queue;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>One queue per controller: busy integration or tenant work never takes the workers services need for Docker.</summary>
public sealed class ReconcileQueueTests
{
    [Fact]
    public async Task A_service_is_reconciled_while_every_integration_worker_is_busy()
    {
        await using var queue = new ReconcileQueue(OperatorKinds.Registered(), new OperatorSettings { MaxParallelReconciles = 1 }, TimeProvider.System, NullLogger<ReconcileQueue>.Instance);
        var releaseIntegrations = new TaskCompletionSource();
        var integrationStarted = new TaskCompletionSource();
        var serviceDone = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var running = queue.RunAsync(async (key, _) =>
        {
            if (key.Kind == IntegrationSpec.KindName)
            {
                integrationStarted.TrySetResult();
                await releaseIntegrations.Task;
            }
            else
            {
                serviceDone.TrySetResult();
            }

            return WorkOutcome.Done();
        }, stop.Token);

        queue.Add(new ResourceKey(IntegrationSpec.KindName, "acme", "siem"));
        queue.Add(new ResourceKey(IntegrationSpec.KindName, "acme", "edr"));
        await integrationStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        queue.Add(new ResourceKey(ServiceSpec.KindName, "acme", "web"));

        await serviceDone.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([new ResourceKey(IntegrationSpec.KindName, "acme", "edr")], queue.Ready);
        Assert.False(queue.IsIdle);

        releaseIntegrations.SetResult();
        await Eventually.TrueAsync(() => queue.IsIdle && queue.CompletedCount == 3, "all three handled");
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Each_controllers_workers_are_bounded_by_MaxParallelReconciles()
    {
        await using var queue = new ReconcileQueue(OperatorKinds.Registered(), new OperatorSettings { MaxParallelReconciles = 2 }, TimeProvider.System, NullLogger<ReconcileQueue>.Instance);
        var release = new TaskCompletionSource();
        var inFlight = 0;
        var peak = 0;
        using var stop = new CancellationTokenSource();
        var running = queue.RunAsync(async (_, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await release.Task;
            Interlocked.Decrement(ref inFlight);
            return WorkOutcome.Done();
        }, stop.Token);

        queue.AddRange(Enumerable.Range(0, 5).Select(i => new ResourceKey(ServiceSpec.KindName, "acme", $"svc-{i}")));
        await Eventually.TrueAsync(() => Volatile.Read(ref inFlight) == 2 && queue.Ready.Count == 3, "two services in flight, three waiting");

        release.SetResult();
        await Eventually.TrueAsync(() => queue.IsIdle && queue.CompletedCount == 5, "all five handled");
        Assert.Equal(2, Volatile.Read(ref peak));
        await stop.CancelAsync();
        await running;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
