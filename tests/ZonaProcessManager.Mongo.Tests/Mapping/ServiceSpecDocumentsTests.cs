using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo.Tests.Mapping;

public sealed class ServiceSpecDocumentsTests
{
    internal static ServiceSpec FullSpec(string name = "sentinel", string tenant = "acme") => new()
    {
        Metadata = new ResourceMetadata
        {
            Name = name,
            Tenant = tenant,
            Labels = new Dictionary<string, string> { ["zpm.owner"] = $"IntegrationSpec/{tenant}/{name}" },
            OwnerReferences = [new OwnerReference("IntegrationSpec", name, $"{tenant}/{name}")],
        },
        Spec = new ServiceSpecBody
        {
            Image = "zpm/busybox:1.36",
            Command = ["httpd", "-f", "-p", "8080"],
            Env = new Dictionary<string, string> { ["API_URL"] = "https://api.example.test", ["API_KEY"] = "s3cret" },
            Replicas = 2,
            Ports = [new PortSpec(8080, 20001), new PortSpec(9090, null, "udp", "0.0.0.0")],
            Volumes =
            [
                new VolumeSpec { Name = "data", Target = "/data", ReadOnly = true, Driver = "local", DriverOpts = new Dictionary<string, string> { ["type"] = "nfs" } },
                new VolumeSpec { HostPath = "/tmp", Target = "/host" },
            ],
            Networks = ["zpm-tenant-acme"],
            HealthCheck = new HealthCheckSpec { Http = new HttpProbe(8080, "/healthz"), IntervalSeconds = 2, TimeoutSeconds = 1, Retries = 4, StartPeriodSeconds = 3 },
            RestartPolicy = RestartPolicy.OnFailure,
            Resources = new ResourceLimits(0.5, 64),
            DependsOn = ["db"],
            Category = ServiceCategory.App,
            Update = new UpdateStrategy { Order = UpdateOrder.StopFirst, Parallelism = 3, DelaySeconds = 2, MonitorSeconds = 15, FailureAction = UpdateFailureAction.Pause },
            Rollback = new RollbackStrategy { Parallelism = 2, FailureAction = UpdateFailureAction.Continue },
            Placement = new PlacementSpec { Constraints = ["node.role==worker"], Preferences = [new PlacementPreference("node.labels.zone")] },
            Suspended = true,
        },
    };

    private static BsonDocument AsStoredDocument(ServiceSpec service) => new()
    {
        ["_id"] = $"{service.Metadata.Tenant}/{service.Metadata.Name}",
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "ServiceSpec",
        ["metadata"] = new BsonDocument
        {
            ["name"] = service.Metadata.Name,
            ["tenant"] = service.Metadata.Tenant,
            ["ownerReferences"] = ServiceSpecDocuments.OwnerReferences(service.Metadata.OwnerReferences),
        },
        ["spec"] = ServiceSpecDocuments.ToSpecDocument(service.Spec),
    };

    [Fact]
    public void A_written_spec_reads_back_as_the_same_spec()
    {
        var original = FullSpec();

        var read = new ServiceDocumentMapper().Read(AsStoredDocument(original));

        Assert.Null(read.InvalidReason);
        var spec = read.Spec!.Spec;
        Assert.Equal(ServiceSpecDocuments.ToSpecDocument(original.Spec), ServiceSpecDocuments.ToSpecDocument(spec));
        Assert.Equal(original.Spec.Image, spec.Image);
        Assert.Equal(original.Spec.Command, spec.Command);
        Assert.Equal(original.Spec.Env.OrderBy(pair => pair.Key), spec.Env.OrderBy(pair => pair.Key));
        Assert.Equal(original.Spec.Ports, spec.Ports);
        Assert.Equal(original.Spec.HealthCheck!.Http, spec.HealthCheck!.Http);
        Assert.Equal(original.Spec.RestartPolicy, spec.RestartPolicy);
        Assert.Equal(original.Spec.Update, spec.Update);
        Assert.Equal(original.Spec.Rollback, spec.Rollback);
        Assert.Equal(original.Spec.Placement!.Constraints, spec.Placement!.Constraints);
        Assert.Equal(original.Spec.Placement.Preferences, spec.Placement.Preferences);
        Assert.Null(spec.Placement.MaxReplicasPerNode);
        Assert.Equal(original.Spec.Resources, spec.Resources);
        Assert.True(spec.Suspended);
        Assert.Equal(original.Metadata.OwnerReferences, read.Spec.Metadata.OwnerReferences);
    }

    [Fact]
    public void A_minimal_spec_is_written_without_optional_fields_and_reads_back_with_the_same_defaults()
    {
        var minimal = new ServiceSpec { Metadata = new ResourceMetadata { Name = "web" }, Spec = new ServiceSpecBody { Image = "zpm/busybox:latest" } };

        var document = ServiceSpecDocuments.ToSpecDocument(minimal.Spec);
        var read = new ServiceDocumentMapper().Read(AsStoredDocument(minimal));

        Assert.False(document.Contains("healthCheck"));
        Assert.False(document.Contains("env"));
        Assert.False(document.Contains("resources"));
        Assert.False(document.Contains("placement"));
        Assert.Equal(document, ServiceSpecDocuments.ToSpecDocument(read.Spec!.Spec));
        Assert.Equal(1, read.Spec.Spec.Replicas);
        Assert.Equal(ServiceCategory.App, read.Spec.Spec.Category);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("exec")]
    public void Tcp_and_exec_health_checks_round_trip(string probe)
    {
        var health = probe == "tcp" ? new HealthCheckSpec { Tcp = new TcpProbe(8080) } : new HealthCheckSpec { Exec = ["true"] };
        var service = new ServiceSpec
        {
            Metadata = new ResourceMetadata { Name = "web" },
            Spec = new ServiceSpecBody { Image = "zpm/busybox:latest", HealthCheck = health },
        };

        var read = new ServiceDocumentMapper().Read(AsStoredDocument(service));

        Assert.Null(read.InvalidReason);
        Assert.Equal(health.Tcp, read.Spec!.Spec.HealthCheck!.Tcp);
        Assert.Equal(health.Exec, read.Spec.Spec.HealthCheck.Exec);
    }
}
