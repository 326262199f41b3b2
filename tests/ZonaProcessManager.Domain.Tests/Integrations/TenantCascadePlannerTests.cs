using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Tests.Integrations;

public class TenantCascadePlannerTests
{
    private static readonly PortAllocation Port = new("acme", "splunk", "http", 21000);

    [Fact]
    public void Deletion_cascades_integrations_services_containers_network_ports_then_the_tenant()
    {
        var inventory = new TenantInventory("acme", ["splunk", "qradar"], ["splunk", "qradar", "helper"], 3, true, [Port]);
        var steps = new List<CascadeStepKind>();

        for (var i = 0; i < 10; i++)
        {
            var step = TenantCascadePlanner.Next(inventory);
            steps.Add(step.Kind);
            inventory = step.Kind switch
            {
                CascadeStepKind.DeleteIntegrations => inventory with { Integrations = [], Services = ["helper"] },
                CascadeStepKind.DeleteServices => inventory with { Services = [] },
                CascadeStepKind.WaitForContainers => inventory with { Containers = 0 },
                CascadeStepKind.RemoveNetwork => inventory with { NetworkExists = false },
                CascadeStepKind.ReleasePorts => inventory with { PortAllocations = [] },
                _ => inventory,
            };
            if (step.Kind == CascadeStepKind.DeleteTenant)
            {
                break;
            }
        }

        Assert.Equal(
        [
            CascadeStepKind.DeleteIntegrations, CascadeStepKind.DeleteServices, CascadeStepKind.WaitForContainers,
            CascadeStepKind.RemoveNetwork, CascadeStepKind.ReleasePorts, CascadeStepKind.DeleteTenant,
        ], steps);
    }

    [Fact]
    public void Ports_are_not_released_while_a_container_may_still_hold_them()
    {
        var step = TenantCascadePlanner.Next(new TenantInventory("acme", [], [], 1, false, [Port]));

        Assert.Equal(CascadeStepKind.WaitForContainers, step.Kind);
    }

    [Fact]
    public void Steps_name_their_targets()
    {
        Assert.Equal(["qradar", "splunk"], TenantCascadePlanner.Next(new TenantInventory("acme", ["splunk", "qradar"], [], 0, true, [])).Targets);
        Assert.Equal(["zpm-tenant-acme"], TenantCascadePlanner.Next(new TenantInventory("acme", [], [], 0, true, [])).Targets);
        Assert.Equal(["21000"], TenantCascadePlanner.Next(new TenantInventory("acme", [], [], 0, false, [Port])).Targets);
        Assert.Equal(["acme"], TenantCascadePlanner.Next(new TenantInventory("acme", [], [], 0, false, [])).Targets);
    }
}
