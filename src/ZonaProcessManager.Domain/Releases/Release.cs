using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Releases;

// The Release contract (collection releases). Field names are the document's; the Mongo adapter maps documents onto
// these records. Defaults here are the documented defaults of the contract.

/// <summary>
/// A platform release: one base image tag for every selected ServiceSpec and patch tags for a few, rolled out category
/// by category. Cluster-wide: metadata.name is its only identity, its key lives in the "system" tenant.
/// </summary>
public sealed record Release
{
    public const string KindName = "Release";
    public const string ApiVersion = "zpm/v1";

    public required ResourceMetadata Metadata { get; init; }
    public required ReleaseSpec Spec { get; init; }

    public ResourceKey Key => KeyFor(Metadata.Name);

    /// <summary>Every release is keyed (Release, "system", name), whatever metadata.tenant says.</summary>
    public static ResourceKey KeyFor(string name) => new(KindName, ResourceKey.DefaultTenant, name);
}

/// <summary>What a release sets, on which services, in which order; plus the requests a user writes (pause, resume, rollback).</summary>
public sealed record ReleaseSpec
{
    /// <summary>The order categories roll in when the document gives none: infrastructure first, applications last.</summary>
    public static IReadOnlyList<ServiceCategory> DefaultOrder { get; } = [ServiceCategory.System, ServiceCategory.Core, ServiceCategory.Batch, ServiceCategory.App];

    public const int DefaultMaxUnavailable = 1;
    public const int DefaultProgressDeadlineSeconds = 600;

    /// <summary>The tag every selected service gets unless a patch names it.</summary>
    public required string BaseTag { get; init; }

    public ReleaseSelector Selector { get; init; } = new();

    public IReadOnlyList<ReleasePatch> Patches { get; init; } = [];

    /// <summary>Categories in rollout order; a selected service whose category is not listed is not part of the release.</summary>
    public IReadOnlyList<ServiceCategory> Order { get; init; } = DefaultOrder;

    /// <summary>How many services of the current category roll at once.</summary>
    public int MaxUnavailable { get; init; } = DefaultMaxUnavailable;

    /// <summary>True: a failed service pauses the release. False: the release rolls back what it touched and ends Failed.</summary>
    public bool PauseOnFailure { get; init; } = true;

    /// <summary>How long one service may take to be Running with its new image before it counts as failed.</summary>
    public int ProgressDeadlineSeconds { get; init; } = DefaultProgressDeadlineSeconds;

    /// <summary>The user's pause request (`zpm release pause`): nothing new starts while it is true.</summary>
    public bool Paused { get; init; }

    /// <summary>
    /// Incremented by `zpm release resume`: a count larger than the one a failure pause recorded retries the failed
    /// services. A counter rather than a time, so the operator's and the user's clocks never have to agree.
    /// </summary>
    public long ResumeRequests { get; init; }

    /// <summary>The user's rollback request (`zpm release rollback`); once started a rollback runs to its end.</summary>
    public bool Rollback { get; init; }
}

/// <summary>Which ServiceSpecs a release covers; an empty list or map means "any".</summary>
public sealed record ReleaseSelector
{
    public IReadOnlyList<string> Tenants { get; init; } = [];
    public IReadOnlyList<ServiceCategory> Categories { get; init; } = [];

    /// <summary>Every pair must be among the service's metadata.labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <summary>A tag for a few services, named "&lt;tenant&gt;/&lt;name&gt;", instead of the base tag.</summary>
public sealed record ReleasePatch(IReadOnlyList<string> Services, string Tag);
