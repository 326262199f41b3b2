using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Integrations;

public sealed record MaterializeResult(
    MaterializeKind Kind,
    ServiceSpec? Service,
    IReadOnlyDictionary<string, string> ExtraLabels,
    IReadOnlyList<AllocatedPort> Ports,
    IReadOnlySet<string> SecretEnvNames,
    IReadOnlyList<string> Problems)
{
    public string Message => Problems.Count == 0 ? "" : string.Join("; ", Problems);
}
