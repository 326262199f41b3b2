using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ServiceSpec = ZonaProcessManager.Domain.Model.ServiceSpec;
using SwarmServiceSpec = Docker.DotNet.Models.ServiceSpec;

namespace ZonaProcessManager.Docker.Tests.Swarm;

/// <summary>Every ServiceSpec field lands where Swarm reads it (pure translation, no engine).</summary>
public sealed class SwarmServiceTranslatorTests
{
    private static readonly ResourceKey Owner = new(ServiceSpec.KindName, "acme", "web");

    private static readonly ServiceSpecBody Full = new()
    {
        Image = "zpm/busybox:latest",
        Command = ["httpd", "-f", "-p", "8080"],
        Env = new Dictionary<string, string> { ["MODE"] = "prod" },
        Replicas = 3,
        Ports = [new PortSpec(8080, 18080), new PortSpec(53, null, "UDP")],
        Volumes =
        [
            new VolumeSpec { Name = "data", Target = "/data", Driver = "local", DriverOpts = new Dictionary<string, string> { ["type"] = "nfs", ["o"] = "addr=10.0.0.1" } },
            new VolumeSpec { HostPath = "/srv/shared", Target = "/shared", ReadOnly = true },
        ],
        Networks = ["zpm-tenant-acme", "backend"],
        HealthCheck = new HealthCheckSpec { Tcp = new TcpProbe(8080), IntervalSeconds = 2 },
        RestartPolicy = RestartPolicy.OnFailure,
        Resources = new ResourceLimits(0.5, 128),
        Update = new UpdateStrategy { Order = UpdateOrder.StartFirst, Parallelism = 2, DelaySeconds = 3, MonitorSeconds = 7, FailureAction = UpdateFailureAction.Pause },
        Rollback = new RollbackStrategy { Order = UpdateOrder.StopFirst, Parallelism = 1, MonitorSeconds = 4, FailureAction = UpdateFailureAction.Continue },
        Placement = new PlacementSpec { Constraints = ["node.role==worker"], Preferences = [new PlacementPreference("node.labels.zone")], MaxReplicasPerNode = 2 },
    };

    private static SwarmServiceSpec Translate(ServiceSpecBody spec, SwarmRuntimeOptions? options = null, int replicas = 3) =>
        SwarmServiceTranslator.Translate(Owner, "zpm-acme-web", spec, "hash-1", replicas,
            new Dictionary<string, string> { [ZpmLabels.Owner] = "IntegrationSpec/acme/crm", [ZpmLabels.Name] = "not-this" }, options ?? new SwarmRuntimeOptions());

    [Fact]
    public void The_service_carries_the_name_labels_image_command_env_and_replicas()
    {
        var service = Translate(Full);
        var container = service.TaskTemplate!.ContainerSpec!;

        Assert.Equal("zpm-acme-web", service.Name);
        Assert.Equal(3UL, service.Mode!.Replicated!.Replicas);
        Assert.Equal("web", service.Labels![ZpmLabels.Name]);
        Assert.Equal(("true", "acme", ServiceSpec.KindName, "hash-1", "IntegrationSpec/acme/crm"),
            (service.Labels![ZpmLabels.Managed], service.Labels![ZpmLabels.Tenant], service.Labels![ZpmLabels.Kind], service.Labels![ZpmLabels.SpecHash], service.Labels![ZpmLabels.Owner]));
        Assert.Equal(service.Labels, container.Labels);
        Assert.Equal("zpm/busybox:latest", container.Image);
        Assert.Equal(["httpd", "-f", "-p", "8080"], container.Args);
        Assert.Null(container.Command);
        Assert.Equal(["MODE=prod"], container.Env);
        Assert.Equal(TimeSpan.FromSeconds(10), container.StopGracePeriod);
    }

    [Fact]
    public void Health_restart_resources_networks_and_placement_map_to_the_task_template()
    {
        var task = Translate(Full).TaskTemplate!;

        Assert.Equal("CMD-SHELL", task.ContainerSpec!.Healthcheck!.Test![0]);
        Assert.Equal(TimeSpan.FromSeconds(2), task.ContainerSpec!.Healthcheck!.Interval);
        Assert.Equal(("on-failure", TimeSpan.FromSeconds(5), 0UL), (task.RestartPolicy!.Condition, task.RestartPolicy!.Delay, task.RestartPolicy!.MaxAttempts));
        Assert.Equal((500_000_000L, 128L * 1024 * 1024), (task.Resources!.Limits!.NanoCPUs, task.Resources!.Limits!.MemoryBytes));
        Assert.Equal(["zpm-tenant-acme", "backend"], task.Networks!.Select(n => n.Target));
        Assert.All(task.Networks!, n => Assert.Equal(["web"], n.Aliases));
        Assert.Equal(["node.role==worker"], task.Placement!.Constraints);
        Assert.Equal("node.labels.zone", Assert.Single(task.Placement!.Preferences!).Spread!.SpreadDescriptor);
        Assert.Equal(2UL, task.Placement!.MaxReplicas);
    }

    [Fact]
    public void Volumes_keep_their_driver_options_and_bind_mounts_their_path()
    {
        var mounts = Translate(Full).TaskTemplate!.ContainerSpec!.Mounts!;

        var named = mounts.Single(m => m.Target == "/data");
        Assert.Equal(("volume", "data", "local"), (named.Type, named.Source, named.VolumeOptions!.DriverConfig!.Name));
        Assert.Equal("nfs", named.VolumeOptions!.DriverConfig!.Options!["type"]);
        Assert.Equal("acme", named.VolumeOptions!.Labels![ZpmLabels.Tenant]);
        var bind = mounts.Single(m => m.Target == "/shared");
        Assert.Equal(("bind", "/srv/shared", true), (bind.Type, bind.Source, bind.ReadOnly));
    }

    [Fact]
    public void Ports_publish_in_host_mode_by_default_and_a_fixed_host_port_rolls_stop_first()
    {
        var host = Translate(Full);
        var ingress = Translate(Full, new SwarmRuntimeOptions { PublishMode = SwarmPublishMode.Ingress });

        Assert.Equal([("tcp", 8080U, (uint?)18080U, "host"), ("udp", 53U, null, "host")],
            host.EndpointSpec!.Ports!.Select(p => (p.Protocol, p.TargetPort!.Value, p.PublishedPort, p.PublishMode)));
        Assert.All(ingress.EndpointSpec!.Ports!, p => Assert.Equal("ingress", p.PublishMode));
        // Two tasks cannot bind one host port on one node: the spec's start-first rolls stop-first in host mode only.
        Assert.Equal("stop-first", host.UpdateConfig!.Order);
        Assert.Equal("start-first", ingress.UpdateConfig!.Order);
    }

    [Fact]
    public void Update_and_rollback_configs_follow_the_spec()
    {
        var service = Translate(Full with { Ports = [] });

        var update = service.UpdateConfig!;
        Assert.Equal((2UL, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7), "start-first", "pause"),
            (update.Parallelism, update.Delay, update.Monitor, update.Order, update.FailureAction));
        var rollback = service.RollbackConfig!;
        Assert.Equal((1UL, TimeSpan.FromSeconds(4), "stop-first", "continue"), (rollback.Parallelism, rollback.Monitor, rollback.Order, rollback.FailureAction));
    }

    [Fact]
    public void Suspended_and_restart_never_translate_to_zero_replicas_and_condition_none()
    {
        var service = Translate(Full with { RestartPolicy = RestartPolicy.Never }, replicas: 0);

        Assert.Equal(0UL, service.Mode!.Replicated!.Replicas);
        Assert.Equal("none", service.TaskTemplate!.RestartPolicy!.Condition);
    }

    [Fact]
    public void A_service_of_no_integration_names_itself_as_its_owner()
    {
        var service = SwarmServiceTranslator.Translate(Owner, "zpm-acme-web", Full, "hash-1", 1, new Dictionary<string, string>(), new SwarmRuntimeOptions());

        Assert.Equal("ServiceSpec/acme/web", service.Labels![ZpmLabels.Owner]);
    }

    [Fact]
    public void A_scale_changes_only_the_replica_count()
    {
        var current = Translate(Full);

        var scaled = SwarmServiceTranslator.Scaled(current, 6);

        Assert.Equal(6UL, scaled.Mode!.Replicated!.Replicas);
        Assert.Equal("hash-1", scaled.Labels![ZpmLabels.SpecHash]);
        Assert.Equal("zpm/busybox:latest", scaled.TaskTemplate!.ContainerSpec!.Image);
    }
}
