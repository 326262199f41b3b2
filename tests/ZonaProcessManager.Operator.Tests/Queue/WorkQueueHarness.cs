using ZonaProcessManager.Testing.Time;
using System.Collections.Concurrent;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Metrics;
using ZonaProcessManager.Operator.Queue;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Queue;

/// <summary>
/// Runs a <see cref="WorkQueue{TKey}"/> on a manual clock with a scripted handler: records every handled key in order,
/// can hold chosen keys "in flight" until released, and can make chosen keys fail.
/// </summary>
internal sealed class WorkQueueHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, int> _concurrentByKey = new();
    private readonly Lock _gate = new();
    private readonly List<string> _handled = [];
    private Task? _run;
    private int _concurrent;

    public WorkQueueHarness(int maxParallelism = 1, TimeSpan? backoffInitial = null, TimeSpan? backoffMax = null, WorkQueueMetrics? metrics = null)
    {
        Backoff = new BackoffPolicy(backoffInitial ?? TimeSpan.FromSeconds(1), backoffMax ?? TimeSpan.FromMinutes(5), jitter: 0);
        Queue = new WorkQueue<string>(maxParallelism, Backoff, () => 0, Time, metrics: metrics);
    }

    public ManualTimeProvider Time { get; } = new();

    public BackoffPolicy Backoff { get; }

    public WorkQueue<string> Queue { get; }

    public HashSet<string> FailingKeys { get; } = [];

    public Dictionary<string, TimeSpan> RequeueAfterByKey { get; } = [];

    public int MaxConcurrent { get; private set; }

    public int MaxConcurrentSameKey { get; private set; }

    public IReadOnlyList<string> Handled
    {
        get
        {
            lock (_gate)
            {
                return [.. _handled];
            }
        }
    }

    public int CountOf(string key) => Handled.Count(k => k == key);

    /// <summary>The next run of <paramref name="key"/> blocks until <see cref="Release"/>.</summary>
    public void Hold(string key) => _gates[key] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release(string key)
    {
        if (_gates.TryRemove(key, out var gate))
        {
            gate.SetResult();
        }
    }

    public void Start() => _run = Queue.RunAsync(HandleAsync, _stop.Token);

    public Task WaitHandledAsync(string key, int times) =>
        Eventually.TrueAsync(() => CountOf(key) >= times, $"{key} handled {times} time(s); handled so far: [{string.Join(", ", Handled)}]");

    public Task WaitIdleAsync() =>
        Eventually.TrueAsync(() => Queue.Snapshot() is { Ready.Count: 0, InFlight.Count: 0 }, "queue idle");

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private async ValueTask<WorkOutcome> HandleAsync(string key, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _concurrent);
        var sameKey = _concurrentByKey.AddOrUpdate(key, 1, (_, n) => n + 1);
        lock (_gate)
        {
            MaxConcurrent = Math.Max(MaxConcurrent, now);
            MaxConcurrentSameKey = Math.Max(MaxConcurrentSameKey, sameKey);
        }

        try
        {
            if (_gates.TryGetValue(key, out var gate))
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            lock (_gate)
            {
                _handled.Add(key);
            }

            if (FailingKeys.Contains(key))
            {
                return WorkOutcome.Failure($"{key} is broken");
            }

            return RequeueAfterByKey.TryGetValue(key, out var delay) ? WorkOutcome.DoneRequeueAfter(delay) : WorkOutcome.Done();
        }
        finally
        {
            _concurrentByKey.AddOrUpdate(key, 0, (_, n) => n - 1);
            Interlocked.Decrement(ref _concurrent);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _gates.Keys)
        {
            Release(key);
        }

        await StopAsync();
        await Queue.DisposeAsync();
        _stop.Dispose();
    }
}
