using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Integrations;

/// <summary>Parent statuses derived from their children: an IntegrationSpec mirrors its ServiceSpec, a Tenant sums its integrations.</summary>
public static class IntegrationStatusMapper
{
    /// <summary>
    /// The IntegrationSpec's status: Degraded with the reason when it cannot run, Pending while disabled, else the
    /// child service's phase, conditions and message, plus the host ports it was given.
    /// </summary>
    public static IntegrationStatus ForIntegration(MaterializeResult result, string serviceName, ServiceStatus? child, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Kind switch
        {
            MaterializeKind.Invalid => new IntegrationStatus
            {
                Phase = ResourcePhase.Degraded,
                Message = result.Message,
                UpdatedAt = now,
            },
            MaterializeKind.NotWanted => new IntegrationStatus
            {
                Phase = ResourcePhase.Pending,
                Message = "Disabled: no service runs",
                UpdatedAt = now,
            },
            _ => new IntegrationStatus
            {
                Phase = child?.Phase ?? ResourcePhase.Pending,
                Service = serviceName,
                Ports = result.Ports,
                Message = child?.Message ?? "Service created; waiting for the operator",
                Conditions = child?.Conditions ?? [],
                UpdatedAt = now,
            },
        };
    }

    /// <summary>
    /// The Tenant's status: how many enabled integrations it has and how many run; Degraded if any is, Running when
    /// all run, Creating otherwise, Removed while it is being deleted.
    /// </summary>
    public static TenantStatus ForTenant(Tenant tenant, IReadOnlyCollection<(bool Enabled, ResourcePhase Phase)> integrations,
        bool deleting, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var enabled = integrations.Where(i => i.Enabled).ToList();
        var running = enabled.Count(i => i.Phase == ResourcePhase.Running);
        var degraded = enabled.Count(i => i.Phase == ResourcePhase.Degraded);
        var phase = deleting ? ResourcePhase.Removed
            : degraded > 0 ? ResourcePhase.Degraded
            : running == enabled.Count ? ResourcePhase.Running
            : ResourcePhase.Creating;
        var message = deleting ? $"Offboarding tenant {tenant.Code}"
            : degraded > 0 ? $"{degraded} of {enabled.Count} integration(s) degraded"
            : tenant.Spec.Suspended ? $"Suspended: {enabled.Count} integration(s) scaled to 0"
            : $"{running} of {enabled.Count} integration(s) running";
        return new TenantStatus
        {
            Phase = phase,
            Integrations = new IntegrationCounts(enabled.Count, running),
            Network = tenant.NetworkName,
            Message = message,
            UpdatedAt = now,
        };
    }
}
