using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Whether two statuses say the same thing to a reader. updatedAt and condition timestamps are ignored: a store may round
/// them (MongoDB keeps milliseconds), and rewriting a status only to bump a time is exactly the churn to avoid.
/// </summary>
public static class StatusComparer
{
    public static bool SameContent(ServiceStatus a, ServiceStatus b) =>
        a.Phase == b.Phase
        && a.ObservedSpecHash == b.ObservedSpecHash
        && a.Replicas == b.Replicas
        && a.Message == b.Message
        && a.LastError == b.LastError
        && a.Containers.SequenceEqual(b.Containers)
        && a.Conditions.Select(c => (c.Type, c.Status, c.Reason, c.Message)).SequenceEqual(b.Conditions.Select(c => (c.Type, c.Status, c.Reason, c.Message)));
}
