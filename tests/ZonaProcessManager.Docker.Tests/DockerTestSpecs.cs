using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Testing.Docker;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>Desired containers for the integration tests, named and labelled so the environment cleans them up.</summary>
internal static class DockerTestSpecs
{
    public static DesiredContainer Replica(
        DockerTestEnvironment environment,
        ResourceKey owner,
        ServiceSpecBody spec,
        int replica = 0,
        string specHash = "hash-1") => new()
        {
            Owner = owner,
            Replica = replica,
            SpecHash = specHash,
            Spec = spec,
            ExtraLabels = environment.RunLabels,
        };

    public static ResourceKey NewOwner(DockerTestEnvironment environment, string name = "web") =>
        new(ServiceSpec.KindName, environment.NewTenant(), name);

    /// <summary>zpm/busybox serving HTTP on 8080, published on an auto port on 127.0.0.1.</summary>
    public static ServiceSpecBody HttpService(HealthCheckSpec? healthCheck = null) => new()
    {
        Image = DockerTestEnvironment.BusyboxImage,
        Ports = [new PortSpec(DockerTestEnvironment.BusyboxHttpPort, null)],
        HealthCheck = healthCheck,
    };

    /// <summary>Short timings so health changes show within seconds.</summary>
    public static HealthCheckSpec FastHttpCheck(int port) => new()
    {
        Http = new HttpProbe(port, "/"),
        IntervalSeconds = 1,
        TimeoutSeconds = 1,
        Retries = 1,
    };

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
}
