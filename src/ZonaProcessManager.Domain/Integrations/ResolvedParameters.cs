namespace ZonaProcessManager.Domain.Integrations;

/// <summary>Parameters turned into container env, or every reason they could not be; messages never contain values.</summary>
public sealed record ResolvedParameters(
    IReadOnlyDictionary<string, string> Env,
    IReadOnlySet<string> SecretEnvNames,
    IReadOnlyList<string> Problems)
{
    public bool IsValid => Problems.Count == 0;

    /// <summary>The secret values, to mask them in free text (Docker errors).</summary>
    public IEnumerable<string> SecretValues => SecretEnvNames.Where(Env.ContainsKey).Select(n => Env[n]);
}
