using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ZonaProcessManager.Mongo.Leases;

/// <summary>
/// A change stream on one lease document while a standby waits: every change to it (a release, a take-over, a
/// renewal) completes <see cref="Next"/>, so a released lease is tried at once instead of at the next poll. A stream
/// that cannot be opened or breaks is reopened after the retry period; the standby's polling covers the gap.
/// </summary>
internal sealed class LeaseChangeSignal : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _next = NewSignal();
    private Task _watching = Task.CompletedTask;

    private LeaseChangeSignal()
    {
    }

    /// <summary>Completes at the next change of the lease document after it was read.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public static LeaseChangeSignal Start(IMongoCollection<BsonDocument> leases, string leaseName, TimeSpan retryPeriod, TimeProvider time, ILogger logger)
    {
        var signal = new LeaseChangeSignal();
        signal._watching = Task.Run(() => signal.WatchAsync(leases, leaseName, retryPeriod, time, logger));
        return signal;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _watching.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task WatchAsync(IMongoCollection<BsonDocument> leases, string leaseName, TimeSpan retryPeriod, TimeProvider time, ILogger logger)
    {
        var pipeline = new EmptyPipelineDefinition<ChangeStreamDocument<BsonDocument>>()
            .Match(new BsonDocument("documentKey._id", leaseName));
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var cursor = await leases.WatchAsync(pipeline, new ChangeStreamOptions { MaxAwaitTime = retryPeriod }, stop).ConfigureAwait(false);
                // A change made before the stream was open is not in it: one more look covers it.
                Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();
                while (await cursor.MoveNextAsync(stop).ConfigureAwait(false))
                {
                    if (cursor.Current.Any())
                    {
                        Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure of the stream only means waiting for the next poll.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                logger.LeaseWatchFailed(leaseName, MongoErrors.Describe(exception));
                // Whatever changed while the stream was down is seen by the next poll; wake the waiter for one now.
                Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();
                try
                {
                    await Task.Delay(retryPeriod, time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
