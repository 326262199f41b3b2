namespace ZonaProcessManager.Domain.Model;

/// <summary>
/// `zpm rollout restart`: the annotation <see cref="Annotation"/> holds when the user last asked for every replica to
/// be replaced with the same spec (ISO 8601). The replica hash includes it only when present, so a service never
/// restarted keeps the hash its containers already carry.
/// </summary>
public static class RolloutRestart
{
    /// <summary>metadata.annotations key set by `zpm rollout restart`.</summary>
    public const string Annotation = "zpm.restarted-at";

    /// <summary>The restart time the annotations of <paramref name="metadata"/> name, or null when none.</summary>
    public static string? Of(ResourceMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.Annotations.TryGetValue(Annotation, out var restartedAt) && !string.IsNullOrWhiteSpace(restartedAt) ? restartedAt : null;
    }
}
