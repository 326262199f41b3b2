using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>What removing a workload did.</summary>
/// <param name="Found">How many replicas there were to remove.</param>
/// <param name="Outcome">Where the removal stands (TearingDown, or Removed when nothing was there).</param>
/// <param name="Remaining">What still runs after a failed step; None when all went.</param>
public sealed record WorkloadRemoval(int Found, PlanOutcome Outcome, ObservedWorkload Remaining, string? Error = null, string? FailedStep = null);
