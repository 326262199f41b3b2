using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Integrations;

public sealed record CascadeStep(CascadeStepKind Kind, IReadOnlyList<string> Targets, string Message);

/// <summary>
/// Tenant deletion in a fixed order: integrations → services → containers → network → port allocations.
/// One stage at a time, and a stage starts only when everything of the previous one is gone, so nothing is orphaned
/// (a port released while its container still runs could be handed to another tenant).
/// </summary>
public static class TenantCascadePlanner
{
    public static CascadeStep Next(TenantInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        var code = inventory.TenantCode;
        if (inventory.Integrations.Count > 0)
        {
            return new CascadeStep(CascadeStepKind.DeleteIntegrations, [.. inventory.Integrations.Order(StringComparer.Ordinal)],
                $"Deleting {inventory.Integrations.Count} integration(s) of tenant {code}");
        }

        if (inventory.Services.Count > 0)
        {
            return new CascadeStep(CascadeStepKind.DeleteServices, [.. inventory.Services.Order(StringComparer.Ordinal)],
                $"Deleting {inventory.Services.Count} service(s) of tenant {code}");
        }

        if (inventory.Containers > 0)
        {
            return new CascadeStep(CascadeStepKind.WaitForContainers, [],
                $"Waiting for {inventory.Containers} container(s) of tenant {code} to be removed");
        }

        if (inventory.NetworkExists)
        {
            return new CascadeStep(CascadeStepKind.RemoveNetwork, [Tenant.NetworkNameFor(code)],
                $"Removing network {Tenant.NetworkNameFor(code)}");
        }

        if (inventory.PortAllocations.Count > 0)
        {
            return new CascadeStep(CascadeStepKind.ReleasePorts,
                [.. inventory.PortAllocations.OrderBy(p => p.Port).Select(p => p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))],
                $"Releasing {inventory.PortAllocations.Count} host port(s) of tenant {code}");
        }

        return new CascadeStep(CascadeStepKind.DeleteTenant, [code], $"Tenant {code} has nothing left; removing it");
    }
}
