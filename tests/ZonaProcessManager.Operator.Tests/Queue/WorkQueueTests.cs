using ZonaProcessManager.Testing.Time;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Queue;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Queue;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task Adding_a_waiting_key_again_does_not_queue_it_twice()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1);
        harness.Queue.Add("a");
        harness.Queue.Add("a");
        harness.Queue.Add("a");
        harness.Queue.Add("sentinel");

        Assert.Equal(["a", "sentinel"], harness.Queue.Snapshot().Ready);
        harness.Start();
        await harness.WaitHandledAsync("sentinel", 1);

        // With one worker and FIFO order, anything queued before the sentinel has run by now.
        Assert.Equal(["a", "sentinel"], harness.Handled);
    }

    [Fact]
    public async Task A_key_added_while_in_flight_runs_again_after_it_finishes_and_never_concurrently()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 4);
        harness.Hold("a");
        harness.Start();
        harness.Queue.Add("a");
        await Eventually.TrueAsync(() => harness.Queue.Snapshot().InFlight.Contains("a"), "a in flight");

        harness.Queue.Add("a");
        harness.Queue.Add("a");
        var whileInFlight = harness.Queue.Snapshot();
        Assert.Empty(whileInFlight.Ready); // free workers exist, yet a second run of "a" must wait

        harness.Release("a");
        await harness.WaitHandledAsync("a", 2);
        await harness.WaitIdleAsync();

        Assert.Equal(2, harness.CountOf("a")); // the two adds during the run collapsed into one re-run
        Assert.Equal(1, harness.MaxConcurrentSameKey);
    }

    [Fact]
    public async Task No_more_than_max_parallelism_keys_run_at_once()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 2);
        string[] keys = ["k1", "k2", "k3", "k4", "k5"];
        foreach (var key in keys)
        {
            harness.Hold(key);
            harness.Queue.Add(key);
        }

        harness.Start();
        await Eventually.TrueAsync(() => harness.Queue.Snapshot().InFlight.Count == 2, "two keys in flight");
        Assert.Equal(["k3", "k4", "k5"], harness.Queue.Snapshot().Ready);

        foreach (var key in keys)
        {
            harness.Release(key);
        }

        foreach (var key in keys)
        {
            await harness.WaitHandledAsync(key, 1);
        }

        Assert.Equal(2, harness.MaxConcurrent);
    }

    [Fact]
    public async Task A_failing_key_is_retried_with_doubling_backoff_up_to_the_cap_and_never_dropped()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1, backoffInitial: TimeSpan.FromSeconds(1), backoffMax: TimeSpan.FromSeconds(8));
        harness.FailingKeys.Add("broken");
        harness.Start();
        harness.Queue.Add("broken");

        var expectedDelays = new[] { 1, 2, 4, 8, 8, 8 }.Select(s => TimeSpan.FromSeconds(s)).ToArray();
        for (var attempt = 1; attempt <= expectedDelays.Length; attempt++)
        {
            await harness.WaitHandledAsync("broken", attempt);
            var scheduled = await WaitScheduledAsync(harness, "broken");
            Assert.Equal(expectedDelays[attempt - 1], scheduled - harness.Time.GetUtcNow());
            Assert.Equal(attempt, harness.Queue.Snapshot().ConsecutiveFailures["broken"]);

            harness.Time.Advance(expectedDelays[attempt - 1] - TimeSpan.FromMilliseconds(1));
            Assert.Equal(attempt, harness.CountOf("broken")); // not before its time
            harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await harness.WaitHandledAsync("broken", expectedDelays.Length + 1);
    }

    [Fact]
    public async Task Success_resets_the_backoff_of_a_key()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1);
        harness.FailingKeys.Add("flaky");
        harness.Start();
        harness.Queue.Add("flaky");
        await harness.WaitHandledAsync("flaky", 1);
        await WaitScheduledAsync(harness, "flaky");
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await harness.WaitHandledAsync("flaky", 2);
        await WaitScheduledAsync(harness, "flaky");
        Assert.Equal(2, harness.Queue.Snapshot().ConsecutiveFailures["flaky"]);

        harness.FailingKeys.Remove("flaky");
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await harness.WaitHandledAsync("flaky", 3);
        await harness.WaitIdleAsync();

        var snapshot = harness.Queue.Snapshot();
        Assert.False(snapshot.ConsecutiveFailures.ContainsKey("flaky"));
        Assert.Empty(snapshot.Scheduled);
    }

    [Fact]
    public async Task When_a_key_is_scheduled_several_times_the_earliest_time_wins()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1);
        var start = harness.Time.GetUtcNow();
        harness.Queue.AddAfter("a", TimeSpan.FromSeconds(10));
        harness.Queue.AddAfter("a", TimeSpan.FromSeconds(3));
        harness.Queue.AddAfter("a", TimeSpan.FromSeconds(20));
        Assert.Equal(start + TimeSpan.FromSeconds(3), harness.Queue.Snapshot().Scheduled["a"]);
        harness.Start();

        harness.Time.Advance(TimeSpan.FromSeconds(3));
        await harness.WaitHandledAsync("a", 1);

        harness.Time.Advance(TimeSpan.FromSeconds(30));
        harness.Queue.Add("sentinel");
        await harness.WaitHandledAsync("sentinel", 1);
        Assert.Equal(["a", "sentinel"], harness.Handled); // the later schedules did not fire again
    }

    [Fact]
    public async Task Many_scheduled_keys_share_one_timer()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1);
        for (var i = 1; i <= 50; i++)
        {
            harness.Queue.AddAfter($"k{i}", TimeSpan.FromSeconds(i));
        }

        Assert.Equal(1, harness.Time.ActiveTimerCount);
        harness.Start();
        harness.Time.Advance(TimeSpan.FromSeconds(50));
        await harness.WaitHandledAsync("k50", 1);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"k{i}"), harness.Handled);
    }

    [Fact]
    public async Task A_handler_asking_to_requeue_after_a_delay_runs_again_then()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1);
        harness.RequeueAfterByKey["progressing"] = TimeSpan.FromSeconds(2);
        harness.Start();
        harness.Queue.Add("progressing");
        await harness.WaitHandledAsync("progressing", 1);
        await WaitScheduledAsync(harness, "progressing");

        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await harness.WaitHandledAsync("progressing", 2);
    }

    [Fact]
    public async Task A_change_supersedes_a_pending_scheduled_run()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1);
        harness.Queue.AddAfter("a", TimeSpan.FromMinutes(5));
        harness.Start();

        harness.Queue.Add("a");
        await harness.WaitHandledAsync("a", 1);
        await harness.WaitIdleAsync();

        Assert.Empty(harness.Queue.Snapshot().Scheduled);
    }

    [Fact]
    public async Task An_echo_of_the_handlers_own_action_waits_for_a_failing_keys_backoff_while_a_change_still_runs_at_once()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1);
        harness.FailingKeys.Add("a");
        harness.Start();
        harness.Queue.Add("a");
        await harness.WaitHandledAsync("a", 1);
        var retryAt = await WaitScheduledAsync(harness, "a");

        harness.Queue.AddUnlessBackingOff("a");
        harness.Queue.AddUnlessBackingOff("a");
        harness.Queue.Add("sentinel");
        await harness.WaitHandledAsync("sentinel", 1);
        await harness.WaitIdleAsync();

        Assert.Equal(1, harness.CountOf("a"));
        Assert.Equal(retryAt, harness.Queue.Snapshot().Scheduled["a"]);
        harness.Time.Advance(retryAt - harness.Time.GetUtcNow());
        await harness.WaitHandledAsync("a", 2);

        // A store change (perhaps the user's fix) does not wait for the backoff.
        await WaitScheduledAsync(harness, "a");
        harness.Queue.Add("a");
        await harness.WaitHandledAsync("a", 3);
    }

    [Fact]
    public async Task An_echo_during_a_run_reruns_the_key_only_when_that_run_succeeds()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 2);
        harness.FailingKeys.Add("failing");
        harness.Hold("failing");
        harness.Hold("fine");
        harness.Start();
        harness.Queue.Add("failing");
        harness.Queue.Add("fine");
        await Eventually.TrueAsync(() => harness.Queue.Snapshot().InFlight.Count == 2, "both in flight");

        harness.Queue.AddUnlessBackingOff("failing");
        harness.Queue.AddUnlessBackingOff("fine");
        harness.Release("failing");
        harness.Release("fine");
        await harness.WaitHandledAsync("fine", 2);
        await WaitScheduledAsync(harness, "failing");
        await harness.WaitIdleAsync();

        Assert.Equal(1, harness.CountOf("failing"));
        Assert.Equal(2, harness.CountOf("fine"));
    }

    [Fact]
    public async Task An_echo_of_a_key_that_is_not_backing_off_runs_at_once()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1);
        harness.Queue.AddAfter("a", TimeSpan.FromMinutes(5));
        harness.Start();

        harness.Queue.AddUnlessBackingOff("a");

        await harness.WaitHandledAsync("a", 1);
    }

    [Fact]
    public async Task A_permanently_failing_key_never_starves_the_others()
    {
        await using var harness = new WorkQueueHarness(maxParallelism: 1, backoffInitial: TimeSpan.FromSeconds(1), backoffMax: TimeSpan.FromSeconds(1));
        harness.FailingKeys.Add("broken");
        harness.Queue.Add("broken");
        harness.Queue.Add("good-0");
        harness.Start();

        for (var round = 1; round <= 5; round++)
        {
            await harness.WaitHandledAsync("broken", round);
            await WaitScheduledAsync(harness, "broken");
            harness.Queue.Add($"good-{round}");
            harness.Time.Advance(TimeSpan.FromSeconds(1)); // the broken key is due again, behind the good one
            await harness.WaitHandledAsync($"good-{round}", 1);
        }

        await harness.WaitHandledAsync("broken", 6);
        var handled = harness.Handled;
        for (var round = 1; round <= 5; round++)
        {
            // The good key queued before the retry became due is handled before that retry.
            Assert.True(IndexOfNth(handled, $"good-{round}", 1) < IndexOfNth(handled, "broken", round + 1), string.Join(", ", handled));
        }

        Assert.Equal(1, harness.CountOf("good-0"));
    }

    [Fact]
    public async Task A_handler_that_throws_counts_as_a_failure_and_the_queue_carries_on()
    {
        var handled = new List<string>();
        var time = new ManualTimeProvider();
        await using var queue = new WorkQueue<string>(1, new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 0), () => 0, time);
        using var stop = new CancellationTokenSource();
        queue.Add("throws");
        queue.Add("fine");
        var run = queue.RunAsync(
            (key, _) =>
            {
                lock (handled)
                {
                    handled.Add(key);
                }

                return key == "throws" ? throw new InvalidOperationException("bug") : ValueTask.FromResult(WorkOutcome.Done());
            },
            stop.Token);

        await Eventually.TrueAsync(() => queue.Snapshot().ConsecutiveFailures.GetValueOrDefault("throws") == 1 && handled.Contains("fine"), "failure recorded, other key handled");
        Assert.True(queue.Snapshot().Scheduled.ContainsKey("throws"));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Shutdown_cancels_in_flight_work_returns_and_ignores_later_adds()
    {
        var time = new ManualTimeProvider();
        await using var queue = new WorkQueue<string>(2, new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 0), () => 0, time);
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawCancellation = false;
        queue.Add("long");
        var run = queue.RunAsync(
            async (_, ct) =>
            {
                started.SetResult();
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                }
                catch (OperationCanceledException)
                {
                    sawCancellation = true;
                    throw;
                }

                return WorkOutcome.Done();
            },
            stop.Token);

        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(sawCancellation);
        queue.Add("after-shutdown");
        queue.AddAfter("after-shutdown", TimeSpan.FromSeconds(1));
        var snapshot = queue.Snapshot();
        Assert.Empty(snapshot.Ready);
        Assert.Empty(snapshot.InFlight);
        Assert.Empty(snapshot.Scheduled);
    }

    [Fact]
    public async Task A_stopped_queue_runs_again_from_empty_and_ignores_adds_in_between()
    {
        var time = new ManualTimeProvider();
        await using var queue = new WorkQueue<string>(1, new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 0), () => 0, time);
        var handled = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Func<string, CancellationToken, ValueTask<WorkOutcome>> handler = (key, _) =>
        {
            handled.Enqueue(key);
            return ValueTask.FromResult(key == "broken" ? WorkOutcome.Failure("broken") : WorkOutcome.Done());
        };
        using (var first = new CancellationTokenSource())
        {
            queue.Add("broken");
            var run = queue.RunAsync(handler, first.Token);
            await Eventually.TrueAsync(() => queue.Snapshot().Scheduled.ContainsKey("broken"), "broken backs off");
            await first.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }

        queue.Add("while-stopped");
        using var second = new CancellationTokenSource();
        var again = queue.RunAsync(handler, second.Token);

        var snapshot = queue.Snapshot();
        Assert.Empty(snapshot.Ready);
        Assert.Empty(snapshot.Scheduled);
        Assert.Empty(snapshot.ConsecutiveFailures);
        queue.Add("next");
        await Eventually.TrueAsync(() => handled.Contains("next"), "a key added to the second run handled");
        Assert.Equal(new[] { "broken", "next" }, handled.ToArray());
        await second.CancelAsync();
        await again.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static int IndexOfNth(IReadOnlyList<string> items, string item, int n)
    {
        var seen = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] == item && ++seen == n)
            {
                return i;
            }
        }

        return -1;
    }

    private static async Task<DateTimeOffset> WaitScheduledAsync(WorkQueueHarness harness, string key)
    {
        await Fakes.Eventually.TrueAsync(() => harness.Queue.Snapshot().Scheduled.ContainsKey(key), $"{key} scheduled");
        return harness.Queue.Snapshot().Scheduled[key];
    }
}
