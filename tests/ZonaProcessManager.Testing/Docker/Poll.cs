namespace ZonaProcessManager.Testing.Docker;

/// <summary>Awaits a condition with a deadline instead of sleeping a guessed time.</summary>
public static class Poll
{
    /// <summary>
    /// Re-evaluates <paramref name="probe"/> until it yields a value <paramref name="accept"/> likes; on timeout
    /// throws with <paramref name="what"/> and the last value seen, so a failure says what was observed instead.
    /// </summary>
    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> probe, Func<T, bool> accept, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pause = interval ?? TimeSpan.FromMilliseconds(200);
        T last;
        Exception? lastError = null;
        while (true)
        {
            try
            {
                last = await probe().ConfigureAwait(false);
                if (accept(last))
                {
                    return last;
                }
            }
            catch (Exception exception) when (exception is not OutOfMemoryException && DateTime.UtcNow < deadline)
            {
                lastError = exception;
                last = default!;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; last seen: {last?.ToString() ?? "nothing"}"
                    + (lastError is null ? string.Empty : $"; last error: {lastError.Message}"),
                    lastError);
            }

            await Task.Delay(pause).ConfigureAwait(false);
        }
    }
}
