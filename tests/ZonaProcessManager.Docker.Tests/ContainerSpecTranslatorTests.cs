using Docker.DotNet.Models;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Probing;
using SpecRestartPolicy = ZonaProcessManager.Domain.Model.RestartPolicy;

namespace ZonaProcessManager.Docker.Tests;

public sealed class ContainerSpecTranslatorTests
{
    private static readonly DockerRuntimeOptions Options = new();

    private static DesiredContainer Desired(ServiceSpecBody spec, IReadOnlyDictionary<string, string>? extraLabels = null) => new()
    {
        Owner = new ResourceKey(ZonaProcessManager.Domain.Model.ServiceSpec.KindName, "acme", "web"),
        Replica = 2,
        SpecHash = "abc123",
        Spec = spec,
        ExtraLabels = extraLabels ?? new Dictionary<string, string>(),
    };

    private static CreateContainerParameters Translate(ServiceSpecBody spec) =>
        ContainerSpecTranslator.Translate(Desired(spec), Options).Parameters;

    [Fact]
    public void Names_the_container_by_contract_and_labels_it_with_its_owner_replica_and_hash()
    {
        var parameters = ContainerSpecTranslator.Translate(
            Desired(new ServiceSpecBody { Image = "zpm/busybox:latest" }, new Dictionary<string, string> { ["team"] = "blue" }),
            Options).Parameters;

        Assert.Equal("zpm-acme-web-2", parameters.Name);
        Assert.Equal("zpm/busybox:latest", parameters.Image);
        Assert.Equal("true", parameters.Labels[ZpmLabels.Managed]);
        Assert.Equal("ServiceSpec", parameters.Labels[ZpmLabels.Kind]);
        Assert.Equal("acme", parameters.Labels[ZpmLabels.Tenant]);
        Assert.Equal("web", parameters.Labels[ZpmLabels.Name]);
        Assert.Equal("2", parameters.Labels[ZpmLabels.Replica]);
        Assert.Equal("abc123", parameters.Labels[ZpmLabels.SpecHash]);
        Assert.Equal("blue", parameters.Labels["team"]);
    }

    [Fact]
    public void Extra_labels_cannot_disguise_whose_container_it_is()
    {
        var parameters = ContainerSpecTranslator.Translate(
            Desired(
                new ServiceSpecBody { Image = "img" },
                new Dictionary<string, string> { [ZpmLabels.Name] = "other", [ZpmLabels.Managed] = "false" }),
            Options).Parameters;

        Assert.Equal("web", parameters.Labels[ZpmLabels.Name]);
        Assert.Equal("true", parameters.Labels[ZpmLabels.Managed]);
    }

    [Fact]
    public void Passes_env_and_command_and_leaves_the_image_command_when_none_is_given()
    {
        var withCommand = Translate(new ServiceSpecBody
        {
            Image = "img",
            Command = ["sh", "-c", "echo hi"],
            Env = new Dictionary<string, string> { ["A"] = "1", ["B"] = "x=y" },
        });
        Assert.Equal(["sh", "-c", "echo hi"], withCommand.Cmd);
        Assert.Equal(["A=1", "B=x=y"], withCommand.Env.Order());

        Assert.Null(Translate(new ServiceSpecBody { Image = "img" }).Cmd);
    }

    [Fact]
    public void Publishes_ports_on_loopback_by_default_and_lets_docker_pick_auto_ports()
    {
        var parameters = Translate(new ServiceSpecBody
        {
            Image = "img",
            Ports = [new PortSpec(8080, null), new PortSpec(53, 5353, "UDP", "0.0.0.0"), new PortSpec(8080, 18080, HostIp: "")],
        });

        Assert.Equal(["53/udp", "8080/tcp"], parameters.ExposedPorts!.Keys.Order());
        var http = parameters.HostConfig!.PortBindings!["8080/tcp"];
        Assert.Equal(2, http.Count);
        Assert.Equal(("127.0.0.1", string.Empty), (http[0].HostIP, http[0].HostPort));
        Assert.Equal(("127.0.0.1", "18080"), (http[1].HostIP, http[1].HostPort));
        var dns = Assert.Single(parameters.HostConfig!.PortBindings!["53/udp"]);
        Assert.Equal(("0.0.0.0", "5353"), (dns.HostIP, dns.HostPort));
    }

    [Fact]
    public void Http_health_check_probes_loopback_with_wget_and_keeps_the_timings()
    {
        var check = ContainerSpecTranslator.TranslateHealthCheck(new HealthCheckSpec
        {
            Http = new HttpProbe(8080, "healthz"),
            IntervalSeconds = 2,
            TimeoutSeconds = 3,
            Retries = 4,
            StartPeriodSeconds = 5,
        });

        Assert.Equal(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"], check.Test);
        Assert.Equal(TimeSpan.FromSeconds(2), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(3), check.Timeout);
        Assert.Equal(4, check.Retries);
        Assert.Equal(TimeSpan.FromSeconds(5), check.StartPeriod);
    }

    [Fact]
    public void Zero_timings_fall_back_to_dockers_defaults()
    {
        var check = ContainerSpecTranslator.TranslateHealthCheck(new HealthCheckSpec
        {
            Http = new HttpProbe(80),
            IntervalSeconds = 0,
            TimeoutSeconds = 0,
            Retries = 0,
        });

        Assert.Null(check.Interval);
        Assert.Null(check.Timeout);
        Assert.Null(check.Retries);
        Assert.Null(check.StartPeriod);
    }

    [Fact]
    public void Tcp_health_check_connects_with_nc_and_gives_it_no_input_to_wait_for()
    {
        var check = ContainerSpecTranslator.TranslateHealthCheck(new HealthCheckSpec { Tcp = new TcpProbe(6379), TimeoutSeconds = 2 });

        Assert.Equal(["CMD-SHELL", "nc -w 2 127.0.0.1 6379 </dev/null >/dev/null"], check.Test);
    }

    [Fact]
    public void Exec_health_check_runs_as_given_and_keeps_dockers_own_forms()
    {
        Assert.Equal(
            ["CMD", "pg_isready", "-q"],
            ContainerSpecTranslator.TranslateHealthCheck(new HealthCheckSpec { Exec = ["pg_isready", "-q"] }).Test);
        Assert.Equal(
            ["CMD-SHELL", "test -f /ready"],
            ContainerSpecTranslator.TranslateHealthCheck(new HealthCheckSpec { Exec = ["CMD-SHELL", "test -f /ready"] }).Test);
    }

    [Fact]
    public void A_health_check_without_a_probe_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => ContainerSpecTranslator.TranslateHealthCheck(new HealthCheckSpec()));
    }

    [Fact]
    public void No_health_check_in_the_spec_keeps_the_images_own()
    {
        Assert.Null(Translate(new ServiceSpecBody { Image = "img" }).Healthcheck);
    }

    [Theory]
    [InlineData(SpecRestartPolicy.Always, RestartPolicyKind.UnlessStopped)]
    [InlineData(SpecRestartPolicy.OnFailure, RestartPolicyKind.OnFailure)]
    [InlineData(SpecRestartPolicy.Never, RestartPolicyKind.No)]
    public void Maps_restart_policies(SpecRestartPolicy policy, RestartPolicyKind expected)
    {
        Assert.Equal(expected, Translate(new ServiceSpecBody { Image = "img", RestartPolicy = policy }).HostConfig!.RestartPolicy.Name);
    }

    [Fact]
    public void Translates_cpu_and_memory_limits()
    {
        var host = Translate(new ServiceSpecBody { Image = "img", Resources = new ResourceLimits(0.5, 64) }).HostConfig!;

        Assert.Equal(500_000_000L, host.NanoCPUs);
        Assert.Equal(64L * 1024 * 1024, host.Memory);
        Assert.Equal(0L, Translate(new ServiceSpecBody { Image = "img" }).HostConfig!.Memory);
    }

    [Fact]
    public void Mounts_named_volumes_bind_mounts_and_nfs_volumes()
    {
        var mounts = Translate(new ServiceSpecBody
        {
            Image = "img",
            Volumes =
            [
                new VolumeSpec { Name = "data", Target = "/data" },
                new VolumeSpec { HostPath = "/srv/config", Target = "/config", ReadOnly = true },
                new VolumeSpec
                {
                    Name = "shared",
                    Target = "/shared",
                    DriverOpts = new Dictionary<string, string> { ["type"] = "nfs", ["o"] = "addr=10.0.0.1,rw", ["device"] = ":/export" },
                },
            ],
        }).HostConfig!.Mounts!;

        Assert.Equal(("volume", "data", "/data", false), (mounts[0].Type, mounts[0].Source, mounts[0].Target, mounts[0].ReadOnly ?? false));
        Assert.Null(mounts[0].VolumeOptions!.DriverConfig);
        Assert.Equal("acme", mounts[0].VolumeOptions!.Labels![ZpmLabels.Tenant]);
        Assert.Equal(("bind", "/srv/config", "/config", true), (mounts[1].Type, mounts[1].Source, mounts[1].Target, mounts[1].ReadOnly ?? false));
        Assert.Equal("local", mounts[2].VolumeOptions!.DriverConfig!.Name);
        Assert.Equal("nfs", mounts[2].VolumeOptions!.DriverConfig!.Options!["type"]);
        Assert.Equal(":/export", mounts[2].VolumeOptions!.DriverConfig!.Options!["device"]);
    }

    [Fact]
    public void Joins_the_first_network_at_create_and_leaves_the_others_for_after_with_the_service_name_as_alias()
    {
        var plan = ContainerSpecTranslator.Translate(
            Desired(new ServiceSpecBody { Image = "img", Networks = ["front", "back", "front", "db"] }), Options);

        Assert.Equal("front", plan.Parameters.HostConfig!.NetworkMode);
        var endpoint = Assert.Single(plan.Parameters.NetworkingConfig!.EndpointsConfig);
        Assert.Equal("front", endpoint.Key);
        Assert.Equal(["web"], endpoint.Value.Aliases);
        Assert.Equal(["back", "db"], plan.AdditionalNetworks);
    }

    [Fact]
    public void Without_networks_the_container_stays_on_dockers_default_bridge()
    {
        var plan = ContainerSpecTranslator.Translate(Desired(new ServiceSpecBody { Image = "img" }), Options);

        Assert.Null(plan.Parameters.HostConfig!.NetworkMode);
        Assert.Null(plan.Parameters.NetworkingConfig);
        Assert.Empty(plan.AdditionalNetworks);
    }

    [Fact]
    public void An_empty_image_is_rejected_before_docker_is_asked()
    {
        var error = Assert.Throws<ArgumentException>(() => Translate(new ServiceSpecBody { Image = " " }));
        Assert.Contains("spec.image", error.Message);
    }

    [Fact]
    public void With_operator_probes_an_http_or_tcp_check_becomes_the_probe_label_and_no_docker_health_check_not_even_the_images()
    {
        var operatorProbes = Options with { OperatorProbes = true };
        var check = new HealthCheckSpec { Http = new HttpProbe(8080, "/healthz"), IntervalSeconds = 5, TimeoutSeconds = 1, Retries = 3 };

        var parameters = ContainerSpecTranslator.Translate(Desired(new ServiceSpecBody { Image = "img", HealthCheck = check }), operatorProbes).Parameters;

        Assert.Equal(["NONE"], parameters.Healthcheck!.Test);
        Assert.Equal(OperatorProbe.For(check), OperatorProbe.FromLabel(parameters.Labels[ZpmLabels.Probe], out _));
    }

    [Fact]
    public void With_operator_probes_an_exec_check_and_no_check_stay_as_they_were()
    {
        var operatorProbes = Options with { OperatorProbes = true };
        var exec = new HealthCheckSpec { Exec = ["test", "-f", "/ready"], IntervalSeconds = 1 };

        var execParameters = ContainerSpecTranslator.Translate(Desired(new ServiceSpecBody { Image = "img", HealthCheck = exec }), operatorProbes).Parameters;
        var uncheckedParameters = ContainerSpecTranslator.Translate(Desired(new ServiceSpecBody { Image = "img" }), operatorProbes).Parameters;

        Assert.Equal(["CMD", "test", "-f", "/ready"], execParameters.Healthcheck!.Test);
        Assert.DoesNotContain(ZpmLabels.Probe, execParameters.Labels.Keys);
        Assert.Null(uncheckedParameters.Healthcheck);
        Assert.DoesNotContain(ZpmLabels.Probe, uncheckedParameters.Labels.Keys);
    }

    [Fact]
    public void Without_operator_probes_an_http_check_is_dockers_and_carries_no_probe_label()
    {
        var check = new HealthCheckSpec { Http = new HttpProbe(8080, "/") };

        var parameters = Translate(new ServiceSpecBody { Image = "img", HealthCheck = check });

        Assert.Equal("wget", parameters.Healthcheck!.Test![1]);
        Assert.DoesNotContain(ZpmLabels.Probe, parameters.Labels.Keys);
    }
}
