using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Operator.Metrics;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Logging;

namespace ZonaProcessManager.Operator.Queue;

/// <summary>What the queue holds at one instant; for diagnostics and tests.</summary>
public sealed record WorkQueueSnapshot<TKey>(
    IReadOnlyList<TKey> Ready,
    IReadOnlyList<TKey> InFlight,
    IReadOnlyDictionary<TKey, DateTimeOffset> Scheduled,
    IReadOnlyDictionary<TKey, int> ConsecutiveFailures);

/// <summary>
/// A keyed work queue in the manner of client-go's workqueue, with these guarantees:
/// <list type="bullet">
/// <item>adding a key that is already waiting does nothing (adds collapse);</item>
/// <item>one key is never handled twice at once: a key added while it is being handled runs again right after;</item>
/// <item>at most <c>maxParallelism</c> keys are handled at once;</item>
/// <item>ready keys are handled first-in first-out, so a key that keeps failing goes to the back (after its backoff) and
/// never starves the others;</item>
/// <item>a failed key comes back after an exponential backoff with jitter, forever (never dropped); success resets it;</item>
/// <item><see cref="AddAfter"/> schedules a key; when it is scheduled more than once the earliest time wins; all scheduled
/// keys share ONE timer (not a delay task per entry);</item>
/// <item>an immediate <see cref="Add"/> (something changed) supersedes a scheduled retry of that key;</item>
/// <item><see cref="AddUnlessBackingOff"/> (an echo of what the handler itself may have caused) never does: a key whose
/// last run failed waits for its retry, and one in flight runs again only if that run succeeds.</item>
/// </list>
/// Once <see cref="RunAsync"/> has returned, adds are ignored until it is called again (a new leadership term), and then
/// the queue starts empty.
/// </summary>
public sealed class WorkQueue<TKey> : IAsyncDisposable
    where TKey : notnull
{
    // One lock guards every collection and field below. It is only ever held for short, non-blocking bookkeeping
    // (never across an await or a handler call), and the timer callback takes the same lock, so "move due keys to ready"
    // and "schedule/add a key" can never interleave halfway.
    private readonly Lock _gate = new();
    private readonly LinkedList<TKey> _ready = new();
    // Keys that must run (again): either in _ready, or waiting for their in-flight run to finish before going to _ready.
    private readonly HashSet<TKey> _pending = [];
    private readonly HashSet<TKey> _inFlight = [];
    // In-flight keys added with AddUnlessBackingOff: they run again after this run only if it succeeds.
    private readonly HashSet<TKey> _pendingUnlessFailed = [];
    // _scheduledAt is the truth; _schedule may hold stale entries (superseded or cancelled), skipped when they surface.
    private readonly Dictionary<TKey, DateTimeOffset> _scheduledAt = [];
    private readonly PriorityQueue<TKey, DateTimeOffset> _schedule = new();
    private readonly Dictionary<TKey, int> _failures = [];
    private DateTimeOffset? _timerDueAt;
    private bool _stopped;
    private bool _running;
    private bool _disposed;
    private long _completed;

    // Counts the entries of _ready, so workers wait without polling.
    private readonly SemaphoreSlim _readyCount = new(0);
    private readonly ITimer _timer;
    private readonly TimeProvider _time;
    private readonly BackoffPolicy _backoff;
    private readonly Func<double> _unitRandom;
    private readonly int _maxParallelism;
    private readonly ILogger _logger;
    private readonly WorkQueueMetrics? _metrics;
    // When each key in _ready became ready (a TimeProvider timestamp), kept only for _metrics' queue duration.
    private readonly Dictionary<TKey, long> _readySince = [];

    /// <param name="unitRandom">Jitter source in [0, 1); tests pass a constant.</param>
    /// <param name="metrics">Where adds, retries and the wait for a worker are counted; null counts nothing.</param>
    public WorkQueue(int maxParallelism, BackoffPolicy backoff, Func<double> unitRandom, TimeProvider time, ILogger? logger = null, WorkQueueMetrics? metrics = null)
    {
        _metrics = metrics;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallelism, 1);
        _maxParallelism = maxParallelism;
        _backoff = backoff;
        _unitRandom = unitRandom;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _timer = time.CreateTimer(_ => MoveDueKeysToReady(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Something about the key changed: handle it as soon as a worker is free.</summary>
    public void Add(TKey key)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _scheduledAt.Remove(key);
            MarkPendingLocked(key);
        }
    }

    /// <summary>
    /// Something about the key may have changed, but the handler's own actions may have caused it (a Docker event of a
    /// container the handler just removed): handle it as soon as a worker is free, unless the key is backing off after a
    /// failure, in which case the scheduled retry (which looks at everything afresh) is soon enough. Without this, a
    /// failure whose cleanup raises such an event retries at once, forever.
    /// </summary>
    public void AddUnlessBackingOff(TKey key)
    {
        lock (_gate)
        {
            if (_stopped || _pending.Contains(key))
            {
                return;
            }

            if (_inFlight.Contains(key))
            {
                _pendingUnlessFailed.Add(key);
                return;
            }

            if (_failures.ContainsKey(key) && _scheduledAt.ContainsKey(key))
            {
                return;
            }

            MarkPendingLocked(key);
        }
    }

    /// <summary>Handle the key after <paramref name="delay"/>; if it is already scheduled earlier, the earlier time stays.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            ScheduleLocked(key, _time.GetUtcNow() + delay);
        }
    }

    /// <summary>How many handler runs have finished (any outcome) since the queue was created.</summary>
    public long CompletedCount => Interlocked.Read(ref _completed);

    /// <summary>Keys waiting for a worker now.</summary>
    public int ReadyCount
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>Nothing ready and nothing in flight (scheduled retries may still be pending).</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count == 0 && _inFlight.Count == 0;
            }
        }
    }

    public WorkQueueSnapshot<TKey> Snapshot()
    {
        lock (_gate)
        {
            return new WorkQueueSnapshot<TKey>(
                [.. _ready],
                [.. _inFlight],
                new Dictionary<TKey, DateTimeOffset>(_scheduledAt),
                new Dictionary<TKey, int>(_failures));
        }
    }

    /// <summary>
    /// Runs <paramref name="handler"/> on up to maxParallelism keys at once until <paramref name="stoppingToken"/> fires;
    /// then stops taking keys and returns once the in-flight handlers (which see the same token) have returned.
    /// A handler that throws counts as a failure (backoff), it never stops the queue.
    /// </summary>
    public async Task RunAsync(Func<TKey, CancellationToken, ValueTask<WorkOutcome>> handler, CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running)
            {
                throw new InvalidOperationException("The queue is already running.");
            }

            if (_stopped)
            {
                // Running again after a stop means a new leadership term: what the last run left (ready keys, retries,
                // failure counts) describes a world another leader may have changed since, and the new term's start-up
                // resync enqueues whatever needs a look. Keys added before the first run are kept.
                ClearLocked();
                _stopped = false;
            }

            _running = true;
        }

        var workers = Enumerable.Range(0, _maxParallelism).Select(_ => Task.Run(() => WorkAsync(handler, stoppingToken), CancellationToken.None));
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _stopped = true;
                _running = false;
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void ClearLocked()
    {
        _ready.Clear();
        _readySince.Clear();
        _pending.Clear();
        _inFlight.Clear();
        _pendingUnlessFailed.Clear();
        _scheduledAt.Clear();
        _schedule.Clear();
        _failures.Clear();
        _timerDueAt = null;
        // Every ready key released the count once and is gone now; no worker waits on it while the queue is stopped.
        while (_readyCount.Wait(0))
        {
        }
    }

    private async Task WorkAsync(Func<TKey, CancellationToken, ValueTask<WorkOutcome>> handler, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await _readyCount.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            TKey key;
            lock (_gate)
            {
                key = _ready.First!.Value;
                _ready.RemoveFirst();
                if (_readySince.Remove(key, out var readySince))
                {
                    _metrics?.Waited(_time.GetElapsedTime(readySince));
                }

                _pending.Remove(key);
                _inFlight.Add(key);
            }

            WorkOutcome outcome;
            try
            {
                outcome = await handler(key, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                lock (_gate)
                {
                    _inFlight.Remove(key);
                    _pendingUnlessFailed.Remove(key);
                }

                return;
            }
#pragma warning disable CA1031 // A handler bug must not kill the worker: it becomes a failure with backoff.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _logger.HandlerThrew(exception, key);
                outcome = WorkOutcome.Failure(exception.Message);
            }

            Complete(key, outcome);
        }
    }

    private void Complete(TKey key, WorkOutcome outcome)
    {
        Interlocked.Increment(ref _completed);
        lock (_gate)
        {
            _inFlight.Remove(key);
            if (_stopped)
            {
                return;
            }

            var echoedWhileInFlight = _pendingUnlessFailed.Remove(key);
            if (echoedWhileInFlight && !outcome.Failed)
            {
                _pending.Add(key);
            }

            var changedWhileInFlight = _pending.Contains(key);
            if (changedWhileInFlight)
            {
                // New information arrived during the run: handle it again now, at the back of the line.
                AppendReadyLocked(key);
            }

            if (outcome.Failed)
            {
                var failures = _failures.GetValueOrDefault(key) + 1;
                _failures[key] = failures;
                if (!changedWhileInFlight)
                {
                    ScheduleLocked(key, _time.GetUtcNow() + (outcome.RetryAfter ?? _backoff.Delay(failures, _unitRandom())));
                    _metrics?.Retried();
                }

                return;
            }

            _failures.Remove(key);
            if (!changedWhileInFlight && outcome.RequeueAfter is { } delay)
            {
                if (delay <= TimeSpan.Zero)
                {
                    MarkPendingLocked(key);
                }
                else
                {
                    ScheduleLocked(key, _time.GetUtcNow() + delay);
                }
            }
        }
    }

    private void MarkPendingLocked(TKey key)
    {
        if (!_pending.Add(key))
        {
            return;
        }

        // An in-flight key goes to _ready only when its run completes (single flight per key).
        if (!_inFlight.Contains(key))
        {
            AppendReadyLocked(key);
        }
    }

    private void AppendReadyLocked(TKey key)
    {
        _ready.AddLast(key);
        _readyCount.Release();
        if (_metrics is not null)
        {
            _metrics.Added();
            _readySince[key] = _time.GetTimestamp();
        }
    }

    private void ScheduleLocked(TKey key, DateTimeOffset dueAt)
    {
        if (_pending.Contains(key) && !_inFlight.Contains(key))
        {
            return; // it is about to run anyway; that run decides about later ones
        }

        if (_scheduledAt.TryGetValue(key, out var existing) && existing <= dueAt)
        {
            return;
        }

        _scheduledAt[key] = dueAt;
        _schedule.Enqueue(key, dueAt);
        ArmTimerLocked();
    }

    private void MoveDueKeysToReady()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            var now = _time.GetUtcNow();
            while (_schedule.TryPeek(out var key, out var dueAt))
            {
                if (!IsCurrentLocked(key, dueAt))
                {
                    _schedule.Dequeue();
                    continue;
                }

                if (dueAt > now)
                {
                    break;
                }

                _schedule.Dequeue();
                _scheduledAt.Remove(key);
                MarkPendingLocked(key);
            }

            _timerDueAt = null;
            ArmTimerLocked();
        }
    }

    private void ArmTimerLocked()
    {
        while (_schedule.TryPeek(out var key, out var dueAt) && !IsCurrentLocked(key, dueAt))
        {
            _schedule.Dequeue();
        }

        if (!_schedule.TryPeek(out _, out var earliest))
        {
            _timerDueAt = null;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        if (_timerDueAt == earliest)
        {
            return;
        }

        _timerDueAt = earliest;
        var wait = earliest - _time.GetUtcNow();
        _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private bool IsCurrentLocked(TKey key, DateTimeOffset dueAt) =>
        _scheduledAt.TryGetValue(key, out var current) && current == dueAt;

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _stopped = true;
            _disposed = true;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        _readyCount.Dispose();
    }
}
