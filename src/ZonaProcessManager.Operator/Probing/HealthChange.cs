using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Operator.Probing;

/// <summary>A probe moved a replica's health from one verdict to another (what Docker reports as a health_status event).</summary>
public sealed record HealthChange(ProbeTarget Target, ContainerHealth Before, ContainerHealth After, string? Failure);
