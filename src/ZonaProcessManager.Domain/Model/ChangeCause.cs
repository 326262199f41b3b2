namespace ZonaProcessManager.Domain.Model;

/// <summary>
/// Who or what changed a ServiceSpec's spec, as its revision records it: whoever writes the spec sets the annotation
/// <see cref="Annotation"/> in the same write (`zpm apply` the user, a Release `release/&lt;name&gt;`, the integration
/// controller `integration/&lt;tenant&gt;/&lt;name&gt;`). A write that sets none (e.g. a hand edit in mongosh that
/// leaves an older cause in place) cannot be told apart, so the cause is only as good as the writers that set it.
/// </summary>
public static class ChangeCause
{
    /// <summary>metadata.annotations key holding the cause of the last spec change.</summary>
    public const string Annotation = "zpm.change-cause";

    /// <summary>The cause recorded when the document names none.</summary>
    public const string Unknown = "unknown";

    /// <summary>The cause the annotations of <paramref name="metadata"/> name, or <see cref="Unknown"/>.</summary>
    public static string Of(ResourceMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.Annotations.TryGetValue(Annotation, out var cause) && !string.IsNullOrWhiteSpace(cause) ? cause : Unknown;
    }

    /// <summary>The cause the integration controller gives the ServiceSpec it writes for an IntegrationSpec.</summary>
    public static string ForIntegration(string tenant, string integration) => $"integration/{tenant}/{integration}";
}
