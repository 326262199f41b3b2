using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Testing.Docker;
using static ZonaProcessManager.Docker.Tests.DockerTestSpecs;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>Per-tenant networks: a tenant's containers reach each other, never another tenant's.</summary>
public sealed class TenantNetworkIsolationTests(DockerTestEnvironment environment) : IClassFixture<DockerTestEnvironment>
{
    private DockerContainerRuntime Runtime => environment.Runtime;

    [Fact]
    public async Task Containers_reach_their_own_tenant_but_not_another_tenant()
    {
        var (tenantA, tenantB) = (environment.NewTenant(), environment.NewTenant());
        var (networkA, networkB) = ($"zpm-tenant-{tenantA}", $"zpm-tenant-{tenantB}");
        await Runtime.EnsureNetworkAsync(networkA, environment.RunLabels, CancellationToken.None);
        await Runtime.EnsureNetworkAsync(networkB, environment.RunLabels, CancellationToken.None);
        async Task<string> StartAsync(string tenant, string name, string network) =>
            await Runtime.CreateAndStartAsync(
                Replica(
                    environment,
                    new ResourceKey(ServiceSpec.KindName, tenant, name),
                    new ServiceSpecBody { Image = DockerTestEnvironment.BusyboxImage, Networks = [network] }),
                CancellationToken.None);
        var apiA = await StartAsync(tenantA, "api", networkA);
        var clientA = await StartAsync(tenantA, "client", networkA);
        var apiB = await StartAsync(tenantB, "api", networkB);
        var port = DockerTestEnvironment.BusyboxHttpPort;
        var ipApiA = await DockerReachability.IpAddressAsync(environment.Client, apiA, networkA);
        var ipApiB = await DockerReachability.IpAddressAsync(environment.Client, apiB, networkB);

        // Same tenant, by service name and by address; retried because httpd may still be starting.
        await Poll.UntilAsync(
            () => DockerReachability.CanConnectAsync(environment.Client, clientA, "api", port),
            reached => reached,
            Deadline,
            "tenant A's client to reach tenant A's api by name");
        Assert.True(await DockerReachability.CanConnectAsync(environment.Client, clientA, ipApiA, port));
        await Poll.UntilAsync(
            () => DockerReachability.CanConnectAsync(environment.Client, apiB, "127.0.0.1", port),
            reached => reached,
            Deadline,
            "tenant B's api to serve");

        Assert.False(
            await DockerReachability.CanConnectAsync(environment.Client, clientA, ipApiB, port),
            "tenant A reached tenant B's api");
        Assert.False(
            await DockerReachability.CanConnectAsync(environment.Client, apiB, ipApiA, port),
            "tenant B reached tenant A's api");
    }
}
