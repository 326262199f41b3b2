namespace ZonaProcessManager.Operator.Queue;

/// <summary>What a queue handler reports about one processed key; decides when (if ever) the key comes back.</summary>
public readonly record struct WorkOutcome
{
    private WorkOutcome(bool failed, TimeSpan? requeueAfter, string? error, TimeSpan? retryAfter = null)
    {
        RetryAfter = retryAfter;
        Failed = failed;
        RequeueAfter = requeueAfter;
        Error = error;
    }

    public bool Failed { get; }

    /// <summary>For a success: look at the key again after this long (null: only when something changes).</summary>
    public TimeSpan? RequeueAfter { get; }

    public string? Error { get; }

    /// <summary>For a failure: retry after this long instead of the backoff delay (the failure still counts).</summary>
    public TimeSpan? RetryAfter { get; }

    public static WorkOutcome Done() => new(false, null, null);

    public static WorkOutcome DoneRequeueAfter(TimeSpan delay) => new(false, delay, null);

    /// <summary>Retried with per-key exponential backoff; never dropped.</summary>
    public static WorkOutcome Failure(string error, TimeSpan? retryAfter = null) => new(true, null, error, retryAfter);
}
