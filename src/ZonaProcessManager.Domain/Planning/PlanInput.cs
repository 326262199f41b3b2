using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>Everything the planner needs about one resource, all read beforehand: the planner does no I/O.</summary>
public sealed record PlanInput
{
    public required ServiceSpec Service { get; init; }

    /// <summary>SpecHasher's hash of Service.Spec; replicas labelled with another hash are stale.</summary>
    public required string SpecHash { get; init; }

    /// <summary>The containers labelled as this resource's, in any state.</summary>
    public required IReadOnlyList<ObservedContainer> Observed { get; init; }

    /// <summary>Names of dependsOn services that are not Running; creation waits while any is listed.</summary>
    public IReadOnlyCollection<string> UnreadyDependencies { get; init; } = [];

    public required DateTimeOffset Now { get; init; }

    /// <summary>Labels added to every created container (e.g. zpm.owner for integration children).</summary>
    public IReadOnlyDictionary<string, string> ExtraLabels { get; init; } = new Dictionary<string, string>();
}
