using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Tests.Controllers;

public sealed class TenantReconcilerTests
{
    private const string Tenant = "acme";
    private readonly ReconcilerHarness _harness = new();

    public TenantReconcilerTests()
    {
        _harness.Integrations.PutDefinition(IntegrationReconcilerTests.Definition("crowdstrike", 101, "zpm/busybox:latest"));
        _harness.Integrations.PutDefinition(IntegrationReconcilerTests.Definition("okta", 102, "zpm/busybox:latest"));
    }

    private static Dictionary<string, string> Parameters() => new() { ["api_url"] = "https://x.example", ["api_key"] = "k" };

    private Task<ReconciliationResult> ReconcileTenantAsync(string code = Tenant) =>
        _harness.TenantReconciler.ReconcileAsync(IntegrationKeys.Tenant(code), CancellationToken.None);

    /// <summary>Runs every follow-up the controllers ask for, and every child service, until nothing is left to do.</summary>
    private async Task SettleAsync()
    {
        for (var round = 0; round < 10; round++)
        {
            var keys = _harness.Trigger.Requested.Distinct().ToList();
            _harness.Trigger.Clear();
            foreach (var service in await _harness.Store.ListAsync(CancellationToken.None))
            {
                await _harness.ConvergeAsync(service.Key);
            }

            foreach (var key in keys)
            {
                _ = key.Kind switch
                {
                    IntegrationSpec.KindName => await _harness.IntegrationReconciler.ReconcileAsync(key, CancellationToken.None),
                    Domain.Model.Tenant.KindName => await _harness.TenantReconciler.ReconcileAsync(key, CancellationToken.None),
                    _ => ReconciliationResult.Success(),
                };
            }

            if (keys.Count == 0)
            {
                return;
            }
        }
    }

    private async Task OnboardAsync()
    {
        _harness.Integrations.PutTenant(Tenant);
        _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, Parameters());
        _harness.Integrations.PutIntegration(Tenant, "okta", 102, Parameters());
        await ReconcileTenantAsync();
        await SettleAsync();
    }

    [Fact]
    public async Task A_tenant_gets_its_network_adopts_its_integrations_and_counts_them_Running()
    {
        await OnboardAsync();

        Assert.Contains("network zpm-tenant-acme", _harness.Runtime.Calls);
        var status = _harness.Integrations.TenantStatusOf(Tenant)!;
        Assert.Equal(ResourcePhase.Running, status.Phase);
        Assert.Equal(new IntegrationCounts(2, 2), status.Integrations);
        Assert.Equal("zpm-tenant-acme", status.Network);
        Assert.Equal(2, _harness.Runtime.Containers.Count);
        Assert.Equal(4, _harness.Integrations.Allocations.Select(a => a.Port).Distinct().Count());
    }

    [Fact]
    public async Task The_tenant_adopts_its_waiting_integrations_so_their_first_reconcile_needs_no_adoption_write_of_its_own()
    {
        var tenant = _harness.Integrations.PutTenant(Tenant);
        var crowdstrike = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, Parameters());
        var okta = _harness.Integrations.PutIntegration(Tenant, "okta", 102, Parameters());

        await ReconcileTenantAsync();

        foreach (var key in new[] { crowdstrike, okta })
        {
            Assert.Equal([new OwnerReference(Domain.Model.Tenant.KindName, Tenant, tenant.Uid)], _harness.Integrations.Integration(key)!.OwnerReferences);
            Assert.Contains(key, _harness.Trigger.Requested);
        }

        Assert.Equal(2, _harness.Integrations.OwnerWrites);
        await _harness.IntegrationReconciler.ReconcileAsync(crowdstrike, CancellationToken.None);
        await ReconcileTenantAsync();
        Assert.Equal(2, _harness.Integrations.OwnerWrites);
        Assert.NotNull(await _harness.Store.GetAsync(IntegrationKeys.ChildService(crowdstrike), CancellationToken.None));
    }

    [Fact]
    public async Task A_tenant_whose_network_Docker_cannot_create_is_Degraded_with_Dockers_reason_and_retried()
    {
        const string poolsUsedUp = "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network";
        _harness.Runtime.NetworkCreateError = poolsUsedUp;
        _harness.Integrations.PutTenant(Tenant);

        var result = await ReconcileTenantAsync();

        Assert.False(result.IsSuccess);
        var status = _harness.Integrations.TenantStatusOf(Tenant)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Equal($"network zpm-tenant-acme cannot be created: {poolsUsedUp}", status.Message);

        _harness.Runtime.NetworkCreateError = null;
        await ReconcileTenantAsync();
        Assert.NotEqual(ResourcePhase.Degraded, _harness.Integrations.TenantStatusOf(Tenant)!.Phase);
    }

    [Fact]
    public async Task Suspending_scales_every_service_to_zero_and_resuming_brings_them_back_on_the_same_ports()
    {
        await OnboardAsync();
        var ports = _harness.Integrations.Allocations.Select(a => (a.Integration, a.PortName, a.Port)).Order().ToList();

        _harness.Integrations.PutTenant(Tenant, suspended: true);
        await ReconcileTenantAsync();
        await SettleAsync();
        Assert.Empty(_harness.Runtime.Containers);
        Assert.Contains("Suspended", _harness.Integrations.TenantStatusOf(Tenant)!.Message);

        _harness.Integrations.PutTenant(Tenant, suspended: false);
        await ReconcileTenantAsync();
        await SettleAsync();
        Assert.Equal(2, _harness.Runtime.Containers.Count);
        Assert.Equal(ports, _harness.Integrations.Allocations.Select(a => (a.Integration, a.PortName, a.Port)).Order().ToList());
    }

    [Fact]
    public async Task Offboarding_cascades_integrations_then_services_then_containers_then_network_then_ports_showing_Removed()
    {
        await OnboardAsync();
        var plainService = _harness.Store.Put(ReconcilerHarness.Service("own-service", tenant: Tenant));
        _harness.Integrations.PutTenant(Tenant, deletionRequested: true);

        var first = await ReconcileTenantAsync();
        Assert.Equal(ResourcePhase.Removed, _harness.Integrations.TenantStatusOf(Tenant)!.Phase);
        Assert.NotNull(first.RequeueAfter);
        for (var round = 0; round < 10 && _harness.Integrations.TenantExists(Tenant); round++)
        {
            await SettleAsync();
            await ReconcileTenantAsync();
        }

        Assert.False(_harness.Integrations.TenantExists(Tenant));
        Assert.DoesNotContain(_harness.Runtime.Containers, c => c.Owner.Name != "own-service");
        Assert.Empty(_harness.Integrations.Allocations);
        Assert.Empty(await _harness.Integrations.ListIntegrationsAsync(Tenant, CancellationToken.None));
        Assert.True(_harness.Store.Exists(plainService), "a ServiceSpec the user wrote for the tenant is not the tenant's to delete");

        var calls = _harness.Integrations.Calls;
        var runtimeCalls = _harness.Runtime.Calls;
        Assert.True(calls.IndexOf("delete integration crowdstrike") < calls.FindIndex(c => c.StartsWith("request deletion of service", StringComparison.Ordinal)));
        Assert.True(calls.FindIndex(c => c.StartsWith("release ports", StringComparison.Ordinal)) < calls.IndexOf("delete tenant acme"));
        var networkRemoved = runtimeCalls.ToList().IndexOf("remove-network zpm-tenant-acme");
        Assert.True(networkRemoved > runtimeCalls.ToList().FindLastIndex(c => c.StartsWith("remove zpm-acme-", StringComparison.Ordinal)), "network removed after the last container");
    }

    [Fact]
    public async Task Deleting_the_tenant_document_cascades_to_adopted_integrations_but_not_to_ones_it_never_adopted()
    {
        await OnboardAsync();
        _harness.Integrations.RemoveTenant(Tenant);
        var orphanKey = _harness.Integrations.PutIntegration("newco", "crowdstrike", 101, Parameters());
        await _harness.IntegrationReconciler.ReconcileAsync(orphanKey, CancellationToken.None);

        for (var round = 0; round < 10; round++)
        {
            await ReconcileTenantAsync();
            await ReconcileTenantAsync("newco");
            await SettleAsync();
        }

        Assert.Empty(await _harness.Integrations.ListIntegrationsAsync(Tenant, CancellationToken.None));
        Assert.Empty(_harness.Runtime.Containers);
        Assert.Empty(_harness.Integrations.Allocations);
        Assert.Contains("remove-network zpm-tenant-acme", _harness.Runtime.Calls);
        Assert.True(_harness.Integrations.IntegrationExists(orphanKey), "an integration written before its tenant exists stays, with a status saying why it does not run");
        Assert.Contains("does not exist", _harness.Integrations.IntegrationStatusOf(orphanKey)!.Message);
    }
}
