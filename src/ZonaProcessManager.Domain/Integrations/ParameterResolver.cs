using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;
using static ZonaProcessManager.Domain.Validation.SpecLimits;

namespace ZonaProcessManager.Domain.Integrations;

/// <summary>IntegrationSpec parameters + catalog defaults → env under the catalog's env names.</summary>
public static class ParameterResolver
{
    public static ResolvedParameters Resolve(IntegrationDefinitionSpec definition, IReadOnlyDictionary<string, string>? values)
    {
        ArgumentNullException.ThrowIfNull(definition);
        values ??= new Dictionary<string, string>();
        var problems = new List<string>();
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var declared = definition.Parameters ?? [];

        foreach (var duplicate in declared.GroupBy(p => p.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"catalog integration {definition.IntegrationId} declares parameter '{duplicate.Key}' {duplicate.Count()} times");
        }

        foreach (var duplicate in declared.GroupBy(p => p.Env, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"catalog integration {definition.IntegrationId} maps {duplicate.Count()} parameters to env '{duplicate.Key}'");
        }

        if (values.Count > MaxParameters)
        {
            problems.Add($"spec.parameters has {values.Count} entries; at most {MaxParameters}");
        }

        foreach (var (name, given) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            var bytes = ServiceSpecValidator.Utf8Bytes(given);
            if (ServiceSpecValidator.Utf8Bytes(name) > MaxParameterNameBytes)
            {
                problems.Add($"parameter name '{ServiceSpecValidator.Clip(name)}' is {ServiceSpecValidator.Utf8Bytes(name)} bytes; at most {MaxParameterNameBytes}");
            }
            else if (bytes > MaxParameterValueBytes)
            {
                problems.Add($"parameter '{name}' is {bytes} bytes; at most {MaxParameterValueBytes}");
            }
        }

        var known = declared.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var unknown in values.Keys.Where(k => !known.Contains(k) && ServiceSpecValidator.Utf8Bytes(k) <= MaxParameterNameBytes).Order(StringComparer.Ordinal))
        {
            var accepted = known.Count == 0 ? "none" : string.Join(", ", known.Order(StringComparer.Ordinal));
            problems.Add($"unknown parameter '{unknown}' (integration {definition.IntegrationId} accepts: {accepted})");
        }

        foreach (var parameter in declared.DistinctBy(p => p.Name, StringComparer.Ordinal))
        {
            var value = values.TryGetValue(parameter.Name, out var given) && !string.IsNullOrEmpty(given) ? given : parameter.Default;
            if (string.IsNullOrEmpty(value))
            {
                if (parameter.Required)
                {
                    problems.Add($"missing required parameter '{parameter.Name}'");
                }

                continue;
            }

            env[parameter.Env] = value;
            if (parameter.Secret)
            {
                secrets.Add(parameter.Env);
            }
        }

        return new ResolvedParameters(env, secrets, problems);
    }
}
