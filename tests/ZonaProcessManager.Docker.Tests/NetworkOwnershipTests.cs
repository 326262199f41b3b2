using Docker.DotNet.Models;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>A tenant's resources join only networks zpm made for that tenant, whatever the names they ask for.</summary>
public sealed class NetworkOwnershipTests(DockerTestEnvironment environment) : IClassFixture<DockerTestEnvironment>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private Dictionary<string, string> TenantLabels(string tenant) => new(environment.RunLabels)
    {
        [ZpmLabels.Managed] = "true",
        [ZpmLabels.Tenant] = tenant,
        [ZpmLabels.Kind] = Domain.Model.ServiceSpec.KindName,
        [ZpmLabels.Name] = "web",
    };

    [Fact]
    public async Task A_network_one_tenants_service_created_cannot_be_joined_by_another_tenant()
    {
        var (tenantA, tenantB) = (environment.NewTenant(), environment.NewTenant());
        var name = environment.NewName("shared");
        await environment.Runtime.EnsureNetworkAsync(name, TenantLabels(tenantB), None);

        // The runtime that created it (remembered) and a fresh one (e.g. after a restart) both refuse.
        using var restarted = DockerContainerRuntime.Create();
        foreach (var runtime in new[] { environment.Runtime, restarted })
        {
            var refused = await Assert.ThrowsAsync<ContainerRuntimeException>(() => runtime.EnsureNetworkAsync(name, TenantLabels(tenantA), None));
            Assert.Equal(ContainerRuntimeErrorKind.InvalidRequest, refused.Kind);
            Assert.Contains("another tenant", refused.Message);
        }

        await environment.Runtime.EnsureNetworkAsync(name, TenantLabels(tenantB), None);
        var created = await environment.Client.Networks.ListNetworksAsync(new NetworksListParameters());
        Assert.Equal(tenantB, Assert.Single(created, n => n.Name == name).Labels[ZpmLabels.Tenant]);
    }

    [Fact]
    public async Task A_network_zpm_did_not_create_cannot_be_joined_by_a_tenants_service()
    {
        var name = environment.NewName("by-hand");
        await environment.Client.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = name, Labels = new Dictionary<string, string>(environment.RunLabels) });

        var refused = await Assert.ThrowsAsync<ContainerRuntimeException>(
            () => environment.Runtime.EnsureNetworkAsync(name, TenantLabels(environment.NewTenant()), None));

        Assert.Contains("not managed by zpm", refused.Message);
    }
}
