namespace ZonaProcessManager.Operator.Queue;

/// <summary>What a queue handler reports about one processed key; decides when (if ever) the key comes back.</summary>
public readonly record struct WorkOutcome
{
    private WorkOutcome(bool failed, TimeSpan? requeueAfter, string? error)
    {
        Failed = failed;
        RequeueAfter = requeueAfter;
        Error = error;
    }

    public bool Failed { get; }

    /// <summary>For a success: look at the key again after this long (null: only when something changes).</summary>
    public TimeSpan? RequeueAfter { get; }

    public string? Error { get; }

    public static WorkOutcome Done() => new(false, null, null);

    public static WorkOutcome DoneRequeueAfter(TimeSpan delay) => new(false, delay, null);

    /// <summary>Retried with per-key exponential backoff; never dropped.</summary>
    public static WorkOutcome Failure(string error) => new(true, null, error);
}
