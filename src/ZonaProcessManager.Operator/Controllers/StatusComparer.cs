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
        && a.Rollout == b.Rollout
        && a.Containers.SequenceEqual(b.Containers)
        && SameConditions(a.Conditions, b.Conditions);

    public static bool SameContent(IntegrationStatus a, IntegrationStatus b) =>
        a.Phase == b.Phase
        && a.Service == b.Service
        && a.Message == b.Message
        && a.Ports.SequenceEqual(b.Ports)
        && SameConditions(a.Conditions, b.Conditions);

    public static bool SameContent(TenantStatus a, TenantStatus b) =>
        a.Phase == b.Phase && a.Message == b.Message && a.Network == b.Network && a.Integrations == b.Integrations;

    private static bool SameConditions(IReadOnlyList<Condition> a, IReadOnlyList<Condition> b) =>
        a.Select(c => (c.Type, c.Status, c.Reason, c.Message)).SequenceEqual(b.Select(c => (c.Type, c.Status, c.Reason, c.Message)));
}
