using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Policy;

namespace ZonaProcessManager.Domain.Tests.Policy;

public class IsolationPolicyTests
{
    private static ServiceSpec Spec(Func<ServiceSpecBody, ServiceSpecBody> change, string tenant = "acme") => new()
    {
        Metadata = new ResourceMetadata { Name = "web", Tenant = tenant },
        Spec = change(new ServiceSpecBody { Image = "zpm/busybox:latest" }),
    };

    private static ServiceSpec Bind(string hostPath) => Spec(s => s with { Volumes = [new VolumeSpec { HostPath = hostPath, Target = "/host" }] });

    private static ServiceSpec NamedVolume(params (string Key, string Value)[] options) =>
        Spec(s => s with { Volumes = [new VolumeSpec { Name = "data", Target = "/data", DriverOpts = options.ToDictionary(o => o.Key, o => o.Value) }] });

    private static readonly IsolationPolicy AllowSrv = IsolationPolicy.Create(["/srv/data", "/var"], ["10.0.0.5"]);

    [Theory]
    [InlineData("/")]
    [InlineData("/var/run/docker.sock")]
    [InlineData("/run/docker.sock")]
    [InlineData("/tmp")]
    [InlineData("/srv/data")]
    public void By_default_no_host_path_can_be_mounted(string hostPath)
    {
        var problem = Assert.Single(IsolationPolicy.Default.Check(Bind(hostPath)));

        Assert.Equal("spec.volumes[0].hostPath", problem.Path);
        Assert.StartsWith($"'{hostPath}' ", problem.Message);
    }

    [Theory]
    [InlineData("/srv/data")]
    [InlineData("/srv/data/tenant-a")]
    [InlineData("//srv//data/tenant-a/")]
    [InlineData("/var/lib/app")]
    public void Paths_under_an_allowed_directory_can_be_mounted(string hostPath)
    {
        Assert.Empty(AllowSrv.Check(Bind(hostPath)));
    }

    [Theory]
    [InlineData("/srv/data/../../etc", "'.' or '..'")]
    [InlineData("/srv/data/./x", "'.' or '..'")]
    [InlineData("srv/data", "absolute")]
    [InlineData("/srv/database", "not under an allowed host path (--allow-host-path: /srv/data, /var)")]
    [InlineData("/srv", "not under an allowed host path")]
    [InlineData("/", "never mountable")]
    [InlineData("/var", "never mountable")]
    [InlineData("/var/run", "never mountable")]
    [InlineData("/var/run/docker.sock", "never mountable")]
    [InlineData("/var//run/docker.sock", "never mountable")]
    [InlineData("/var/lib/docker/volumes", "never mountable")]
    public void Paths_outside_the_allow_list_or_reaching_docker_are_refused_even_when_an_ancestor_is_allowed(string hostPath, string message)
    {
        var problem = Assert.Single(AllowSrv.Check(Bind(hostPath)));

        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void A_named_volume_bound_to_the_host_root_through_driver_options_is_refused()
    {
        var problem = Assert.Single(IsolationPolicy.Default.Check(NamedVolume(("type", "none"), ("o", "bind"), ("device", "/"))));

        Assert.Equal("spec.volumes[0].driverOpts", problem.Path);
        Assert.Contains("device '/'", problem.Message);
    }

    [Theory]
    [InlineData("type", "none", "device", "/srv/data/x", true)]
    [InlineData("o", "ro,rbind", "device", "/srv/data/x", true)]
    [InlineData("o", "bind", "device", "/etc", false)]
    [InlineData("type", "ext4", "device", "/dev/sda1", false)]
    [InlineData("type", "nfs", "device", ":/export", true)]
    [InlineData("type", "cifs", "device", "//server/share", true)]
    [InlineData("o", "BIND", "x", "y", false)]
    public void Driver_options_follow_the_host_path_rules(string key1, string value1, string key2, string value2, bool allowed)
    {
        var problems = AllowSrv.Check(NamedVolume((key1, value1), (key2, value2)));

        Assert.Equal(allowed, problems.Count == 0);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.0.0.5", true)]
    [InlineData("10.0.0.6", false)]
    [InlineData("::", false)]
    public void Ports_publish_on_loopback_unless_the_host_ip_is_allowed(string hostIp, bool allowed)
    {
        var problems = AllowSrv.Check(Spec(s => s with { Ports = [new PortSpec(80, null, "tcp", hostIp)] }));

        Assert.Equal(allowed, problems.Count == 0);
        if (!allowed)
        {
            Assert.Contains("--allow-host-ip", Assert.Single(problems).Message);
        }
    }

    [Theory]
    [InlineData("zpm-tenant-acme", null)]
    [InlineData("backend", null)]
    [InlineData("zpm-tenant-globex", "another tenant's network")]
    [InlineData("zpm-tenant-acme-x", "another tenant's network")]
    [InlineData("host", "Docker's own network modes")]
    [InlineData("Bridge", "Docker's own network modes")]
    [InlineData("none", "Docker's own network modes")]
    [InlineData("default", "Docker's own network modes")]
    [InlineData("container:zpm-globex-db-0", "Docker's own network modes")]
    public void A_service_joins_only_its_own_tenants_network_and_networks_of_its_own(string network, string? refusal)
    {
        var problems = IsolationPolicy.Default.Check(Spec(s => s with { Networks = [network] }, tenant: "acme"));

        if (refusal is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Contains(refusal, Assert.Single(problems).Message);
        }
    }

    [Theory]
    [InlineData("relative")]
    [InlineData("/srv/../etc")]
    public void Bad_allow_list_entries_are_refused_when_the_operator_starts(string entry)
    {
        var error = Assert.Throws<ArgumentException>(() => IsolationPolicy.Create([entry], []));

        Assert.Contains("--allow-host-path", error.Message);
    }

    [Fact]
    public void The_planner_refuses_a_host_takeover_before_any_docker_action()
    {
        var plan = new ReconcilePlanner().Plan(new PlanInput
        {
            Service = Bind("/"),
            SpecHash = "h",
            Observed = [],
            Now = DateTimeOffset.UnixEpoch,
        });

        Assert.Empty(plan.Actions);
        Assert.Equal(OutcomeKind.Invalid, plan.Outcome.Kind);
        Assert.Contains("spec.volumes[0].hostPath: '/' ", plan.Outcome.Message);
    }

    [Fact]
    public void An_integrations_child_service_passes_the_default_policy()
    {
        var catalog = new IntegrationDefinition
        {
            Metadata = new ResourceMetadata { Name = "siem" },
            Spec = new IntegrationDefinitionSpec { IntegrationId = 1, Image = "zpm/busybox:latest", Ports = [new IntegrationPort("http", 8080)] },
        };
        var integration = new IntegrationSpec
        {
            Metadata = new ResourceMetadata { Name = "siem", Tenant = "acme" },
            Spec = new IntegrationSpecBody { IntegrationId = 1 },
        };
        var tenant = new Tenant { Metadata = new ResourceMetadata { Name = "acme" } };

        var result = IntegrationMaterializer.Materialize(integration, "uid", tenant, [catalog], [integration], new Dictionary<string, int> { ["http"] = 20001 });

        Assert.Equal(MaterializeKind.Service, result.Kind);
        Assert.Empty(IsolationPolicy.Default.Check(result.Service));
        Assert.Equal(["zpm-tenant-acme"], result.Service!.Spec.Networks);
    }
}
