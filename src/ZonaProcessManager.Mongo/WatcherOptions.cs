using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Mongo;

/// <summary>Settings of one <see cref="MongoResourceWatcher"/>.</summary>
public sealed record WatcherOptions
{
    /// <summary>Names the resume-token document in operator_state ("watch/&lt;Name&gt;/&lt;scope&gt;"); one per operator instance role.</summary>
    public string Name { get; init; } = "operator";

    /// <summary>
    /// The tenants the operator manages (its OperatorSettings.Tenants), null for all. The stream itself is the same
    /// whatever this says; it names the scope whose resume position is loaded and saved (<see cref="ResumeTokenStore.ScopeOf"/>),
    /// so two operators scoped to different tenants of one database each resume from where they stopped.
    /// </summary>
    public IReadOnlySet<string>? Tenants { get; init; }

    /// <summary>Collections to watch → resource kind of their documents.</summary>
    public IReadOnlyDictionary<string, string> Collections { get; init; } = ZpmCollections.ResourceKinds;

    /// <summary>First delay before a broken stream is reopened, doubling up to <see cref="MaxBackoff"/>. Default <see cref="BackoffPolicy.LoopRetry"/>'s.</summary>
    public TimeSpan InitialBackoff { get; init; } = BackoffPolicy.LoopRetry.Initial;

    /// <summary>Upper bound of the reopen delay. Default <see cref="BackoffPolicy.LoopRetry"/>'s.</summary>
    public TimeSpan MaxBackoff { get; init; } = BackoffPolicy.LoopRetry.Max;

    /// <summary>How long the server holds an empty getMore; null = the server's default (1 s on MongoDB).</summary>
    public TimeSpan? MaxAwaitTime { get; init; }

    /// <summary>
    /// Least time between two saves of the resume position during a burst of changes; the position is also saved when
    /// the watch stops. Saving after every batch made a store write per batch (about five per integration during an
    /// onboarding), while a crash that loses up to this much only replays changes, which level-triggered reconciles
    /// absorb. Zero saves after every batch.
    /// </summary>
    public TimeSpan ResumeTokenSaveInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Least time between two saves of the position reached by batches without events (an idle watch's
    /// postBatchResumeToken, which other writes to the database move on). Default 5 minutes: far inside any change-stream
    /// history a server keeps (the embedded server's 24 h), so a restart still resumes; a crash replays nothing this
    /// watch would report. The position is also saved when the watch stops.
    /// </summary>
    public TimeSpan IdleResumeTokenSaveInterval { get; init; } = TimeSpan.FromMinutes(5);
}
