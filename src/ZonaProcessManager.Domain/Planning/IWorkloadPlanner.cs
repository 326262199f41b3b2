using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>
/// The pure half of a workload runtime: what it would do to bring <c>observed</c> to <c>desired</c>, where that leaves
/// the service (the outcome decides the phase) and when to look again. No I/O, so a resync can ask it for every service
/// from one listing, and <see cref="Reconciliation.ServiceConvergence"/> derives status and transitions from it.
/// </summary>
public interface IWorkloadPlanner
{
    ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now);
}
