using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Domain.Tests.Validation;

public class ServiceSpecValidatorTests
{
    private static ServiceSpec Valid(Func<ServiceSpecBody, ServiceSpecBody>? change = null, string name = "web", string tenant = "acme") => new()
    {
        Metadata = new ResourceMetadata { Name = name, Tenant = tenant },
        Spec = (change ?? (s => s))(new ServiceSpecBody
        {
            Image = "zpm/busybox:latest",
            Command = ["httpd", "-f"],
            Env = new Dictionary<string, string> { ["MODE"] = "prod" },
            Ports = [new PortSpec(8080, null)],
            Volumes = [new VolumeSpec { Name = "data", Target = "/data" }],
            Networks = ["zpm-tenant-acme"],
            HealthCheck = new HealthCheckSpec { Http = new HttpProbe(8080, "/health") },
            Resources = new ResourceLimits(0.5, 64),
            DependsOn = ["db"],
        }),
    };

    [Fact]
    public void A_complete_valid_spec_has_no_problems()
    {
        Assert.Empty(ServiceSpecValidator.Validate(Valid()));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("web-1")]
    [InlineData("0abc")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123")]
    public void Dns_label_names_are_accepted(string name)
    {
        Assert.Empty(ServiceSpecValidator.Validate(Valid(name: name, tenant: name)));
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("Web", "is not a valid name")]
    [InlineData("-web", "is not a valid name")]
    [InlineData("web-", "is not a valid name")]
    [InlineData("web_1", "is not a valid name")]
    [InlineData("web.1", "is not a valid name")]
    [InlineData("web\n", "is not a valid name")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234", "is not a valid name")]
    public void Bad_names_and_tenants_are_reported_with_their_field(string name, string message)
    {
        var problems = ServiceSpecValidator.Validate(Valid(name: name, tenant: name));

        Assert.Contains(problems, p => p.Path == "metadata.name" && p.Message.Contains(message));
        Assert.Contains(problems, p => p.Path == "metadata.tenant" && p.Message.Contains(message));
    }

    public static TheoryData<string, Func<ServiceSpecBody, ServiceSpecBody>, string> BadSpecs() => new()
    {
        { "spec.image", s => s with { Image = "" }, "is required" },
        { "spec.image", s => s with { Image = "zpm/busy box" }, "must not contain whitespace" },
        { "spec.replicas", s => s with { Replicas = -1 }, "must be between 0 and 1000 (got -1)" },
        { "spec.replicas", s => s with { Replicas = 1_000_000_000 }, "must be between 0 and 1000 (got 1000000000)" },
        { "spec.ports[0].container", s => s with { Ports = [new PortSpec(0, null)] }, "between 1 and 65535 (got 0)" },
        { "spec.ports[0].host", s => s with { Ports = [new PortSpec(80, 70000)] }, "between 1 and 65535 (got 70000)" },
        { "spec.ports[0].protocol", s => s with { Ports = [new PortSpec(80, null, "sctp")] }, "must be tcp or udp" },
        { "spec.ports[0].hostIp", s => s with { Ports = [new PortSpec(80, null, "tcp", "localhost")] }, "is not an IP address" },
        { "spec.ports", s => s with { Ports = [new PortSpec(80, null), new PortSpec(80, null)] }, "container port 80/tcp is listed 2 times" },
        { "spec.ports", s => s with { Ports = [new PortSpec(80, 8080), new PortSpec(81, 8080)] }, "host port 127.0.0.1:8080/tcp is listed 2 times" },
        { "spec.env['A=B']", s => s with { Env = new Dictionary<string, string> { ["A=B"] = "x" } }, "contain no '='" },
        { "spec.volumes[0]", s => s with { Volumes = [new VolumeSpec { Target = "/data" }] }, "exactly one of name" },
        { "spec.volumes[0]", s => s with { Volumes = [new VolumeSpec { Name = "d", HostPath = "/d", Target = "/data" }] }, "exactly one of name" },
        { "spec.volumes[0].target", s => s with { Volumes = [new VolumeSpec { Name = "d", Target = "data" }] }, "absolute path" },
        { "spec.volumes[0].hostPath", s => s with { Volumes = [new VolumeSpec { HostPath = "srv", Target = "/data" }] }, "absolute path" },
        { "spec.volumes[0].name", s => s with { Volumes = [new VolumeSpec { Name = "-x", Target = "/data" }] }, "not a valid volume name" },
        { "spec.volumes[0].driver", s => s with { Volumes = [new VolumeSpec { HostPath = "/srv", Target = "/data", Driver = "nfs" }] }, "named volumes only" },
        { "spec.volumes", s => s with { Volumes = [new VolumeSpec { Name = "a", Target = "/d" }, new VolumeSpec { Name = "b", Target = "/d" }] }, "target /d is listed 2 times" },
        { "spec.networks[0]", s => s with { Networks = ["bad net"] }, "not a valid network name" },
        { "spec.healthCheck", s => s with { HealthCheck = new HealthCheckSpec() }, "exactly one probe of http, tcp or exec (got 0)" },
        { "spec.healthCheck", s => s with { HealthCheck = new HealthCheckSpec { Http = new HttpProbe(80), Tcp = new TcpProbe(80) } }, "(got 2)" },
        { "spec.healthCheck.http.path", s => s with { HealthCheck = new HealthCheckSpec { Http = new HttpProbe(80, "health") } }, "must start with '/'" },
        { "spec.healthCheck.tcp.port", s => s with { HealthCheck = new HealthCheckSpec { Tcp = new TcpProbe(0) } }, "between 1 and 65535" },
        { "spec.healthCheck.exec", s => s with { HealthCheck = new HealthCheckSpec { Exec = [] } }, "non-empty command" },
        { "spec.healthCheck.intervalSeconds", s => s with { HealthCheck = new HealthCheckSpec { Tcp = new TcpProbe(80), IntervalSeconds = 0 } }, "must be 1 or more (got 0)" },
        { "spec.healthCheck.retries", s => s with { HealthCheck = new HealthCheckSpec { Tcp = new TcpProbe(80), Retries = 0 } }, "must be 1 or more" },
        { "spec.healthCheck.startPeriodSeconds", s => s with { HealthCheck = new HealthCheckSpec { Tcp = new TcpProbe(80), StartPeriodSeconds = -1 } }, "must be 0 or more" },
        { "spec.resources.cpus", s => s with { Resources = new ResourceLimits(0, null) }, "greater than 0" },
        { "spec.resources.memoryMb", s => s with { Resources = new ResourceLimits(null, 4) }, "at least 6" },
        { "spec.dependsOn[0]", s => s with { DependsOn = ["web"] }, "cannot depend on itself" },
        { "spec.dependsOn[0]", s => s with { DependsOn = ["DB"] }, "not a valid service name" },
        { "spec.dependsOn", s => s with { DependsOn = ["db", "db"] }, "db is listed 2 times" },
        { "spec.update.parallelism", s => s with { Update = new UpdateStrategy { Parallelism = 0 } }, "must be 1 or more (got 0)" },
        { "spec.restartPolicy", s => s with { RestartPolicy = (RestartPolicy)42 }, "must be one of always, on-failure, never" },
        { "spec.command", s => s with { Command = null! }, "must be an array" },
        { "spec.env", s => s with { Env = null! }, "must be an object" },
        { "spec.update.delaySeconds", s => s with { Update = new UpdateStrategy { DelaySeconds = -1 } }, "must be between 0 and 3600 (got -1)" },
        { "spec.update.monitorSeconds", s => s with { Update = new UpdateStrategy { MonitorSeconds = 0 } }, "must be between 1 and 3600 (got 0)" },
        { "spec.update.monitorSeconds", s => s with { Update = new UpdateStrategy { MonitorSeconds = 86400 } }, "must be between 1 and 3600 (got 86400)" },
        { "spec.update.failureAction", s => s with { Update = new UpdateStrategy { FailureAction = (UpdateFailureAction)9 } }, "must be rollback, pause or continue" },
        { "spec.rollback.failureAction", s => s with { Rollback = new RollbackStrategy { FailureAction = UpdateFailureAction.Rollback } }, "must be pause or continue: a failed rollback has nothing to roll back to" },
        { "spec.rollback.parallelism", s => s with { Rollback = new RollbackStrategy { Parallelism = 0 } }, "must be 1 or more (got 0)" },
        { "spec.rollback.order", s => s with { Rollback = new RollbackStrategy { Order = (UpdateOrder)7 } }, "must be start-first or stop-first" },
        { "spec.rollback.delaySeconds", s => s with { Rollback = new RollbackStrategy { DelaySeconds = 3601 } }, "must be between 0 and 3600" },
        { "spec.rollback", s => s with { Rollback = null! }, "must not be null" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.role=worker"), "must be KEY==VALUE or KEY!=VALUE (e.g. node.role==worker)" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.role>=worker"), "must be KEY==VALUE or KEY!=VALUE" },
        { "spec.placement.constraints[0]", s => Placed(s, ""), "got an empty string" },
        { "spec.placement.constraints[0]", s => Placed(s, "==worker"), "has no valid key before the operator" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.rol==worker"), "Swarm matches no node on key 'node.rol'" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.labels.==a"), "Swarm matches no node on key 'node.labels.'" },
        { "spec.placement.constraints[0]", s => Placed(s, "zone==a"), "use node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.<label> or engine.labels.<label>" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.labels.zone=="), "needs a value" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.labels.zone==a<b"), "needs a value" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.labels.zone==a!=b"), "needs a value" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.role==leader"), "node.role is manager or worker" },
        { "spec.placement.constraints", s => Placed(s, [.. Enumerable.Repeat("node.role==worker", 33)]), "has 33 constraints; at most 32" },
        { "spec.placement.constraints[0]", s => Placed(s, "node.labels.zone==" + new string('a', 2000)), "is 2018 bytes; at most 1024" },
        { "spec.placement.constraints", s => s with { Placement = new PlacementSpec { Constraints = null! } }, "must be an array" },
        { "spec.placement.preferences[0].spread", s => Spread(s, "zone"), "must name a label to spread over: node.labels.<label> or engine.labels.<label> (e.g. node.labels.zone)" },
        { "spec.placement.preferences[0].spread", s => Spread(s, "node.hostname"), "must name a label to spread over" },
        { "spec.placement.preferences[0].spread", s => Spread(s, "node.labels."), "must name a label to spread over" },
        { "spec.placement.preferences[0].spread", s => Spread(s, "node.labels.zone==a"), "must name a label to spread over" },
        { "spec.placement.preferences[0]", s => s with { Placement = new PlacementSpec { Preferences = [null!] } }, "must not be null" },
        { "spec.placement.preferences", s => s with { Placement = new PlacementSpec { Preferences = [.. Enumerable.Repeat(new PlacementPreference("node.labels.zone"), 9)] } }, "has 9 preferences; at most 8" },
        { "spec.placement.maxReplicasPerNode", s => s with { Placement = new PlacementSpec { MaxReplicasPerNode = -1 } }, "must be 0 (no cap) or more (got -1)" },
    };

    private static ServiceSpecBody Placed(ServiceSpecBody spec, params string[] constraints) =>
        spec with { Placement = new PlacementSpec { Constraints = constraints } };

    private static ServiceSpecBody Spread(ServiceSpecBody spec, string descriptor) =>
        spec with { Placement = new PlacementSpec { Preferences = [new PlacementPreference(descriptor)] } };

    [Theory]
    [InlineData("node.role==worker")]
    [InlineData("node.role == manager")]
    [InlineData("NODE.ROLE==Worker")]
    [InlineData("node.labels.zone!=a")]
    [InlineData("node.labels.zone==eu-west-1")]
    [InlineData("node.hostname==x")]
    [InlineData("node.hostname!=host.example.com")]
    [InlineData("node.id==2ivku8v2gvtg4")]
    [InlineData("node.platform.os==linux")]
    [InlineData("node.platform.arch==x86_64")]
    [InlineData("engine.labels.operatingsystem==ubuntu 24.04")]
    [InlineData("node.labels.tier==(web|api)")]
    public void Constraints_swarm_accepts_are_valid(string constraint)
    {
        Assert.Empty(ServiceSpecValidator.Validate(Valid(s => Placed(s, constraint))));
    }

    [Fact]
    public void A_full_placement_and_rollout_within_bounds_is_valid()
    {
        var service = Valid(s => s with
        {
            Update = new UpdateStrategy { Order = UpdateOrder.StopFirst, Parallelism = 2, DelaySeconds = 3600, MonitorSeconds = 1, FailureAction = UpdateFailureAction.Pause },
            Rollback = new RollbackStrategy { Parallelism = 3, DelaySeconds = 0, MonitorSeconds = 3600, FailureAction = UpdateFailureAction.Continue },
            Placement = new PlacementSpec
            {
                Constraints = [.. Enumerable.Repeat("node.role==worker", 32)],
                Preferences = [new PlacementPreference("node.labels.zone"), new PlacementPreference("engine.labels.rack")],
                MaxReplicasPerNode = 0,
            },
        });

        Assert.Empty(ServiceSpecValidator.Validate(service));
    }

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void Each_problem_names_its_field_and_what_is_wrong(string path, Func<ServiceSpecBody, ServiceSpecBody> change, string message)
    {
        var problems = ServiceSpecValidator.Validate(Valid(change));

        var problem = Assert.Single(problems);
        Assert.Equal(path, problem.Path);
        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var service = Valid(s => s with { Image = " ", Replicas = -2, Update = new UpdateStrategy { Parallelism = 0 } }, name: "Bad_Name");

        var problems = ServiceSpecValidator.Validate(service).Select(p => p.Path).ToList();

        Assert.Equal(["metadata.name", "spec.image", "spec.replicas", "spec.update.parallelism"], problems);
    }

    [Fact]
    public void A_document_with_nulls_everywhere_yields_problems_not_exceptions()
    {
        var service = new ServiceSpec
        {
            Metadata = new ResourceMetadata { Name = null!, Tenant = null! },
            Spec = new ServiceSpecBody
            {
                Image = null!,
                Ports = [null!],
                Volumes = [null!],
                Networks = null!,
                DependsOn = [null!],
                Update = null!,
                Env = new Dictionary<string, string> { ["K"] = null! },
            },
        };

        var problems = ServiceSpecValidator.Validate(service);

        Assert.Contains(new SpecProblem("metadata.name", "is required"), problems);
        Assert.Contains(new SpecProblem("spec.image", "is required"), problems);
        Assert.Contains(new SpecProblem("spec.ports[0]", "must not be null"), problems);
        Assert.Contains(new SpecProblem("spec.update", "must not be null"), problems);
        Assert.Contains(new SpecProblem("spec.env.K", "must be a string, not null"), problems);
        Assert.Equal("spec.image: is required", new SpecProblem("spec.image", "is required").ToString());
    }

    [Fact]
    public void A_missing_document_or_spec_is_a_problem()
    {
        Assert.Equal([new SpecProblem("$", "document is missing")], ServiceSpecValidator.Validate(null));
        Assert.Equal([new SpecProblem("spec", "is required")],
            ServiceSpecValidator.Validate(new ServiceSpec { Metadata = new ResourceMetadata { Name = "web" }, Spec = null! }));
    }
}
