using System.Diagnostics;
using System.Runtime.CompilerServices;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Benchmarks.Simulation;

/// <summary>
/// Passes the real change-stream watcher's changes on unchanged and notes when the operator received each one, so the
/// benchmark sees a store write's lag to the operator from outside.
/// </summary>
public sealed class RecordingResourceWatcher(IResourceWatcher inner) : IResourceWatcher
{
    private readonly Lock _gate = new();
    private List<long>? _arrivals;

    /// <summary>Starts noting the arrival (a Stopwatch timestamp) of every upsert from now on, in arrival order.</summary>
    public void StartRecording()
    {
        lock (_gate)
        {
            _arrivals = [];
        }
    }

    /// <summary>Arrivals noted since <see cref="StartRecording"/>.</summary>
    public IReadOnlyList<long> Arrivals
    {
        get
        {
            lock (_gate)
            {
                return _arrivals is null ? [] : [.. _arrivals];
            }
        }
    }

    public int ArrivalCount
    {
        get
        {
            lock (_gate)
            {
                return _arrivals?.Count ?? 0;
            }
        }
    }

    public async IAsyncEnumerable<ResourceChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in inner.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            if (change.Kind == ChangeKind.Upserted)
            {
                var now = Stopwatch.GetTimestamp();
                lock (_gate)
                {
                    _arrivals?.Add(now);
                }
            }

            yield return change;
        }
    }
}
