using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Integrations;

/// <summary>Keeps secret parameter values out of logs, events, describe output and status: they are shown as ***.</summary>
public static class SecretRedactor
{
    public const string Mask = "***";

    /// <summary>
    /// Annotation on a child ServiceSpec listing its secret env names (comma-separated), so that anything showing the
    /// child (zpm describe, logs) can mask them without reading the catalog.
    /// </summary>
    public const string SecretEnvAnnotation = "zpm.secret-env";

    public static string FormatSecretEnvAnnotation(IEnumerable<string> secretEnvNames) =>
        string.Join(",", secretEnvNames.Order(StringComparer.Ordinal));

    /// <summary>The secret env names a resource's annotations declare (none when the annotation is absent).</summary>
    public static IReadOnlySet<string> SecretEnvNames(ResourceMetadata? metadata) =>
        metadata?.Annotations is { } annotations && annotations.TryGetValue(SecretEnvAnnotation, out var names) && names is not null
            ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The env with every secret variable's value replaced by ***.</summary>
    public static IReadOnlyDictionary<string, string> RedactEnv(IReadOnlyDictionary<string, string> env, IReadOnlySet<string> secretEnvNames) =>
        env.ToDictionary(e => e.Key, e => secretEnvNames.Contains(e.Key) ? Mask : e.Value, StringComparer.Ordinal);

    /// <summary>The spec as it may be shown (zpm describe, status, logs): secret env values masked.</summary>
    public static ServiceSpecBody RedactSpec(ServiceSpecBody spec, IReadOnlySet<string> secretEnvNames) =>
        spec with { Env = RedactEnv(spec.Env, secretEnvNames) };

    /// <summary>
    /// Masks every occurrence of a secret value in free text, such as a Docker error that echoes the container config.
    /// Longer secrets first, so a secret containing another is masked whole.
    /// </summary>
    public static string RedactText(string? text, IEnumerable<string?> secretValues)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        foreach (var secret in secretValues.Where(s => !string.IsNullOrEmpty(s)).Distinct().OrderByDescending(s => s!.Length))
        {
            text = text.Replace(secret!, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
