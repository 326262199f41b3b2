using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>Remove a container that cannot be restarted (dead) and create its slot again; remove first, then create.</summary>
public sealed record ReplaceContainer(string ContainerId, string ContainerName, DesiredContainer Replacement, string Reason)
    : ReconcileAction
{
    public override string Describe() => $"replace {ContainerName} ({Reason})";
}
