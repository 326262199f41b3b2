namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// What a reconcile tells the queue (KubeOps style): success, optionally "look again after", or failure, which the queue
/// retries with per-key exponential backoff.
/// </summary>
public sealed record ReconciliationResult
{
    private ReconciliationResult(bool isSuccess, TimeSpan? requeueAfter, string? error)
    {
        IsSuccess = isSuccess;
        RequeueAfter = requeueAfter;
        Error = error;
    }

    public bool IsSuccess { get; }

    /// <summary>For a success: when to look again even if nothing changes (null: only on the next change).</summary>
    public TimeSpan? RequeueAfter { get; }

    public string? Error { get; }

    public static ReconciliationResult Success(TimeSpan? requeueAfter = null) => new(true, requeueAfter, null);

    public static ReconciliationResult Failure(string error) => new(false, null, error);
}
