using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Probing;

namespace ZonaProcessManager.Operator.Probing;

/// <summary>One probe to run now: a followed replica as it was when the probe was taken from <see cref="ProbeRegistry"/>.</summary>
/// <param name="Address">The container's address the probe connects to; null when it has none on any network.</param>
/// <param name="Generation">Which following of the container this is: a result for an earlier one (the container restarted meanwhile) is dropped.</param>
public sealed record ProbeTarget(
    string ContainerId, string ContainerName, ResourceKey Owner, string? Address, OperatorProbe Probe, DateTimeOffset? StartedAt, long Generation);
