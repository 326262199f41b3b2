using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Domain.Releases;

/// <summary>
/// The rules of a Release beyond its shape (the Mongo mapper reads the shape): tags Docker accepts, patches naming
/// "&lt;tenant&gt;/&lt;name&gt;" services at most once, a rollout order without repeats and sane bounds. Mirrored by
/// schemas/release.schema.json where a JSON Schema can say it.
/// </summary>
public static class ReleaseValidator
{
    public const int MaxMaxUnavailable = 1000;
    public const int MinProgressDeadlineSeconds = 10;
    public const int MaxProgressDeadlineSeconds = 86400;

    public static IReadOnlyList<string> Validate(Release release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var problems = new List<string>();
        if (!DnsLabel.IsValid(release.Metadata.Name))
        {
            problems.Add("metadata.name: " + DnsLabel.NotValid(release.Metadata.Name));
        }

        var spec = release.Spec;
        if (!ImageReference.IsValidTag(spec.BaseTag))
        {
            problems.Add($"spec.baseTag '{DnsLabel.Escape(spec.BaseTag ?? "")}' is not a valid image tag: use {ImageReference.TagRule}");
        }

        foreach (var (tenant, index) in spec.Selector.Tenants.Select((t, i) => (t, i)))
        {
            if (!DnsLabel.IsValid(tenant))
            {
                problems.Add($"spec.selector.tenants[{index}]: {DnsLabel.NotValid(tenant)}");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Patches.Count; i++)
        {
            var patch = spec.Patches[i];
            if (!ImageReference.IsValidTag(patch.Tag))
            {
                problems.Add($"spec.patches[{i}].tag '{DnsLabel.Escape(patch.Tag ?? "")}' is not a valid image tag: use {ImageReference.TagRule}");
            }

            if (patch.Services.Count == 0)
            {
                problems.Add($"spec.patches[{i}].services must name at least one service");
            }

            foreach (var service in patch.Services)
            {
                if (!IsServiceId(service))
                {
                    problems.Add($"spec.patches[{i}].services: '{DnsLabel.Escape(service)}' must be <tenant>/<name>, each {DnsLabel.Rule}");
                }
                else if (!seen.Add(service))
                {
                    problems.Add($"spec.patches[{i}].services: {service} is named by more than one patch");
                }
            }
        }

        if (spec.Order.Count == 0)
        {
            problems.Add("spec.order must list at least one category");
        }

        var repeated = spec.Order.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => g.Key.ToString().ToLowerInvariant()).ToList();
        if (repeated.Count > 0)
        {
            problems.Add($"spec.order lists {string.Join(", ", repeated)} more than once");
        }

        if (spec.MaxUnavailable is < 1 or > MaxMaxUnavailable)
        {
            problems.Add($"spec.maxUnavailable must be 1-{MaxMaxUnavailable}, got {spec.MaxUnavailable}");
        }

        if (spec.ProgressDeadlineSeconds is < MinProgressDeadlineSeconds or > MaxProgressDeadlineSeconds)
        {
            problems.Add($"spec.progressDeadlineSeconds must be {MinProgressDeadlineSeconds}-{MaxProgressDeadlineSeconds}, got {spec.ProgressDeadlineSeconds}");
        }

        if (spec.ResumeRequests < 0)
        {
            problems.Add($"spec.resumeRequests cannot be negative, got {spec.ResumeRequests}");
        }

        return problems;
    }

    /// <summary>"&lt;tenant&gt;/&lt;name&gt;", both DNS labels.</summary>
    public static bool IsServiceId(string? value)
    {
        var slash = value?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        return slash > 0 && DnsLabel.IsValid(value![..slash]) && DnsLabel.IsValid(value[(slash + 1)..]);
    }
}
