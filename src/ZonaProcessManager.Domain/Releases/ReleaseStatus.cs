using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Releases;

/// <summary>Where a release stands (status.phase).</summary>
public enum ReleasePhase
{
    /// <summary>Rolling the current category.</summary>
    Progressing,

    /// <summary>Nothing new starts: the user asked (spec.paused), or a service failed and spec.pauseOnFailure is true.</summary>
    Paused,

    /// <summary>Every selected service runs its new image.</summary>
    Complete,

    /// <summary>Restoring the images the release replaced, categories in reverse order.</summary>
    RollingBack,

    /// <summary>A rollback the user asked for has finished.</summary>
    RolledBack,

    /// <summary>A service failed with pauseOnFailure false; what the release touched has been rolled back.</summary>
    Failed,

    /// <summary>The document cannot be read or breaks a rule; nothing is done until it is fixed.</summary>
    Invalid,
}

/// <summary>One category's progress (status.categories[].state).</summary>
public enum ReleaseCategoryState { Pending, Rolling, Done, Failed, RollingBack, RolledBack }

/// <summary>One service's progress (status.categories[].services[].state).</summary>
public enum ReleaseServiceState
{
    Pending,
    Rolling,
    Done,
    Failed,

    /// <summary>Not changed: digest-pinned, deleted, or (in a rollback) changed by someone else since; the message says which.</summary>
    Skipped,
    RollingBack,
    RolledBack,
    RollbackFailed,
}

/// <summary>What the operator writes into a release's status; nothing else writes there.</summary>
public sealed record ReleaseStatus
{
    public ReleasePhase Phase { get; init; } = ReleasePhase.Progressing;
    public IReadOnlyList<ReleaseCategoryStatus> Categories { get; init; } = [];
    public ReleaseCounts Counts { get; init; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>spec.resumeRequests when a failure paused the release; null when no failure pause is in force.</summary>
    public long? FailurePausedAtResumeRequests { get; init; }

    /// <summary>True when the rollback under way (or done) follows a failure with pauseOnFailure false: it ends Failed.</summary>
    public bool AutomaticRollback { get; init; }

    public string? Message { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Every service of every category, in rollout order.</summary>
    public IEnumerable<ReleaseServiceStatus> Services => Categories.SelectMany(c => c.Services);
}

public sealed record ReleaseCategoryStatus(ServiceCategory Category, ReleaseCategoryState State, IReadOnlyList<ReleaseServiceStatus> Services)
{
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>
/// One selected service: the image the release gives it, and once written, the image it replaced (what a rollback
/// restores) and the spec hash of the spec it wrote.
/// </summary>
public sealed record ReleaseServiceStatus(string Tenant, string Name, ReleaseServiceState State, string TargetImage)
{
    public string? PreviousImage { get; init; }
    public string? Message { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    public string Id => $"{Tenant}/{Name}";

    public ResourceKey Key => new(ServiceSpec.KindName, Tenant, Name);

    /// <summary>The release wrote (or is about to write) this service's image: a rollback owes it the previous one.</summary>
    public bool Touched => PreviousImage is not null && State is ReleaseServiceState.Rolling or ReleaseServiceState.Done or ReleaseServiceState.Failed;
}

public sealed record ReleaseCounts(int Total, int Pending, int Rolling, int Done, int Failed, int Skipped, int RolledBack);
