using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Releases;

/// <summary>What a release writes into the metadata.annotations of each ServiceSpec it changes, so a service's history says why.</summary>
public static class ReleaseChangeCause
{
    /// <summary>The annotation naming what changed a ServiceSpec last (the one revision history reads).</summary>
    public const string Annotation = ChangeCause.Annotation;

    /// <summary>"release/&lt;name&gt;".</summary>
    public static string For(string releaseName) => $"release/{releaseName}";
}
