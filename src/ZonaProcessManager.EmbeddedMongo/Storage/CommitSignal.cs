namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>Wakes awaitData change-stream cursors the moment a change commits, instead of having them poll.</summary>
public sealed class CommitSignal
{
    private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long committedSequence;

    public long CommittedSequence => Interlocked.Read(ref committedSequence);

    public void Publish(long sequence)
    {
        Interlocked.Exchange(ref committedSequence, Math.Max(sequence, CommittedSequence));
        var previous = Interlocked.Exchange(ref signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    /// <summary>Completes with true once a sequence beyond <paramref name="knownSequence"/> committed, false at the deadline.</summary>
    public Task<bool> WaitBeyondAsync(long knownSequence, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitBeyondAsync(knownSequence, timeout, TimeProvider.System, cancellationToken);

    /// <summary>As the other overload, with the deadline measured on <paramref name="time"/>.</summary>
    public async Task<bool> WaitBeyondAsync(long knownSequence, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var pending = Volatile.Read(ref signal);
            if (CommittedSequence > knownSequence)
            {
                return true;
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }

            // Awaited without throwing: an idle change stream reaches this deadline on every getMore (once a second per
            // stream), and throwing a TimeoutException there each time is a stack unwind per stream per second for nothing.
            var waited = pending.Task.WaitAsync(remaining, time, cancellationToken);
            await waited.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (waited.IsCanceled)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!waited.IsCompletedSuccessfully)
            {
                return CommittedSequence > knownSequence;
            }
        }
    }
}
