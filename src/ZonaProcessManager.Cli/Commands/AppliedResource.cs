using ZonaProcessManager.Mongo;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>A resource `apply` or `tenant onboard` wrote, for `--wait` to follow.</summary>
/// <param name="Kind">ServiceSpec, IntegrationSpec, Tenant or IntegrationDefinition.</param>
/// <param name="Tenant">The tenant of a ServiceSpec or IntegrationSpec; null for the others.</param>
/// <param name="Outcome">Unchanged means its status already describes what was applied.</param>
public sealed record AppliedResource(string Kind, string? Tenant, string Name, ApplyOutcome Outcome)
{
    /// <summary>"servicespec/acme/web", as apply prints it.</summary>
    public string Display => Tenant is null ? $"{Kind.ToLowerInvariant()}/{Name}" : $"{Kind.ToLowerInvariant()}/{Tenant}/{Name}";
}
