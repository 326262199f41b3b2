using System.Threading.Channels;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>Runs a watcher in the background and lets a test await the changes it emits, in order, with deadlines.</summary>
internal sealed class WatcherProbe : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly Channel<ResourceChange> _changes = Channel.CreateUnbounded<ResourceChange>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    private WatcherProbe(IResourceWatcher watcher)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in watcher.WatchAsync(_stop.Token))
                {
                    await _changes.Writer.WriteAsync(change);
                }

                _changes.Writer.TryComplete();
            }
            catch (Exception exception)
            {
                _changes.Writer.TryComplete(exception);
            }
        });
    }

    public static WatcherProbe Start(IResourceWatcher watcher) => new(watcher);

    public async Task<ResourceChange> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            return await _changes.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no change from the watcher within {Deadline.TotalSeconds} s");
        }
    }

    /// <summary>Stops the watcher and waits until its enumeration has ended (and so has persisted what it will).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _pump.WaitAsync(Deadline);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
