namespace ZonaProcessManager.Domain.Reconciliation;

/// <summary>
/// What one reconcile returns to the work queue (KubeOps style): success or failure, and optionally when to look again.
/// A failure without RequeueAfter is retried with the queue's per-key backoff.
/// </summary>
public sealed record ReconciliationResult
{
    private ReconciliationResult(bool isSuccess, string? error, Exception? exception, TimeSpan? requeueAfter)
    {
        if (requeueAfter is { } delay && delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(requeueAfter), delay, "A requeue delay cannot be negative.");
        }

        IsSuccess = isSuccess;
        Error = error;
        Exception = exception;
        RequeueAfter = requeueAfter;
    }

    public bool IsSuccess { get; }

    public bool IsFailure => !IsSuccess;

    /// <summary>Why it failed, for status.lastError and the event; null on success.</summary>
    public string? Error { get; }

    public Exception? Exception { get; }

    public TimeSpan? RequeueAfter { get; }

    public static ReconciliationResult Success(TimeSpan? requeueAfter = null) => new(true, null, null, requeueAfter);

    public static ReconciliationResult Failure(string error, Exception? exception = null, TimeSpan? requeueAfter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new(false, error, exception, requeueAfter);
    }

    public static ReconciliationResult Failure(Exception exception, TimeSpan? requeueAfter = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(false, exception.Message, exception, requeueAfter);
    }
}
