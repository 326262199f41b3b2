using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Integrations;

/// <summary>Keeps secret parameter values out of logs, events, describe output and status: they are shown as ***.</summary>
public static class SecretRedactor
{
    public const string Mask = "***";

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
