using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// A ServiceSpec as read from the store. When the document cannot be understood (validator bypassed, old data),
/// Spec is null and InvalidReason says why, so the operator can report it in status instead of crashing.
/// </summary>
public sealed record StoredService(ResourceKey Key, string Uid, ServiceSpec? Spec, string? InvalidReason, ServiceStatus? Status)
{
    public bool DeletionRequested => Spec?.Metadata.DeletionRequested ?? false;
}
