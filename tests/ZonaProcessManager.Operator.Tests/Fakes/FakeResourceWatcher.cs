using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>A watcher fed by the test; can be told to fail its next N watches, like a dropped change stream.</summary>
public sealed class FakeResourceWatcher : IResourceWatcher
{
    private readonly Channel<ResourceChange> _changes = Channel.CreateUnbounded<ResourceChange>();
    private int _failuresLeft;
    private int _watchCount;
    private int _activeWatches;

    public int WatchCount => Volatile.Read(ref _watchCount);

    /// <summary>Watches started and not ended yet (by cancellation or failure).</summary>
    public int ActiveWatches => Volatile.Read(ref _activeWatches);

    /// <summary>Changes emitted that no watch has read yet.</summary>
    public int Unread => _changes.Reader.Count;

    public void FailNextWatches(int count) => Volatile.Write(ref _failuresLeft, count);

    public ValueTask EmitAsync(ResourceChange change) => _changes.Writer.WriteAsync(change);

    public async IAsyncEnumerable<ResourceChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _watchCount);
        Interlocked.Increment(ref _activeWatches);
        try
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new InvalidOperationException("change stream broke");
            }

            await foreach (var change in _changes.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _activeWatches);
        }
    }
}
