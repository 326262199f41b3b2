using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Integrations;

/// <summary>
/// The statuses of IntegrationSpecs and Tenants: an IntegrationSpec mirrors its ServiceSpec, a Tenant sums its
/// integrations, and either one whose document cannot be read says so.
/// </summary>
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

    /// <summary>
    /// An IntegrationSpec whose document cannot be read (validator bypassed, old data): Degraded with
    /// <see cref="UnreadableMessage"/>; it gets no service and no ports.
    /// </summary>
    public static IntegrationStatus ForUnreadableIntegration(string? invalidReason, DateTimeOffset now) => new()
    {
        Phase = ResourcePhase.Degraded,
        Message = UnreadableMessage(IntegrationSpec.KindName, invalidReason),
        UpdatedAt = now,
    };

    /// <summary>A Tenant whose document cannot be read: Degraded with <see cref="UnreadableMessage"/>.</summary>
    public static TenantStatus ForUnreadableTenant(string? invalidReason, DateTimeOffset now) => new()
    {
        Phase = ResourcePhase.Degraded,
        Message = UnreadableMessage(Tenant.KindName, invalidReason),
        UpdatedAt = now,
    };

    /// <summary>"Invalid &lt;kind&gt;: &lt;reason&gt;", the reason being the store's, or that the document cannot be read.</summary>
    private static string UnreadableMessage(string kind, string? invalidReason) =>
        $"Invalid {kind}: {invalidReason ?? "the document cannot be read"}";
}
