using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>Make sure a named volume exists (with its driver options) before a replica that mounts it is created.</summary>
public sealed record EnsureVolume(VolumeSpec Volume) : ReconcileAction
{
    public override string Describe() => $"ensure volume {Volume.Name}";
}
