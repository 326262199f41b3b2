using Microsoft.Extensions.Logging;

namespace ZonaProcessManager.Mongo.Leases;

/// <summary>The lease's log lines. Every change of leader gives one line starting with "Leader".</summary>
internal static partial class LeaseLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Leader of scope {Lease}: {Holder} (this instance), generation {Generation}, previous holder {PreviousHolder}")]
    public static partial void Leader(this ILogger logger, string lease, string holder, long generation, string previousHolder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader of scope {Lease}: {Holder}, generation {Generation}; this instance stands by")]
    public static partial void LeaderObserved(this ILogger logger, string lease, string holder, long generation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader of scope {Lease}: none, the lease is free")]
    public static partial void LeaseFree(this ILogger logger, string lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Lease}: the store did not answer ({Error}); trying again within {RetryPeriod}")]
    public static partial void LeaseStoreError(this ILogger logger, string lease, string error, TimeSpan retryPeriod);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Lease}: renewal of generation {Generation} failed ({Error}); retrying until the renew deadline")]
    public static partial void RenewFailed(this ILogger logger, string lease, long generation, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Lease}: generation {Generation} not renewed within the renew deadline {RenewDeadline}: leadership lost")]
    public static partial void RenewDeadlinePassed(this ILogger logger, string lease, long generation, TimeSpan renewDeadline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Lease}: generation {Generation} taken over by {Holder}: leadership lost")]
    public static partial void LeadershipTakenOver(this ILogger logger, string lease, long generation, string holder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lease {Lease}: generation {Generation} released (still held: {WasHeld})")]
    public static partial void LeaseReleased(this ILogger logger, string lease, long generation, bool wasHeld);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Lease}: the leader-change event was not recorded: {Error}")]
    public static partial void LeaderEventNotRecorded(this ILogger logger, string lease, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease {Lease}: the change stream on the lease stopped ({Error}); polling every retry period meanwhile")]
    public static partial void LeaseWatchFailed(this ILogger logger, string lease, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Operator record {Holder} not removed at shutdown: {Error}")]
    public static partial void InstanceRecordNotRemoved(this ILogger logger, string holder, string error);
}
