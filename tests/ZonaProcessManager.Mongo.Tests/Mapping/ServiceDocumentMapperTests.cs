using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo.Tests.Mapping;

public sealed class ServiceDocumentMapperTests
{
    private static readonly ServiceDocumentMapper Mapper = new();

    private const string FullDocument = """
        {
          _id: "acme/web",
          apiVersion: "zpm/v1", kind: "ServiceSpec",
          metadata: { name: "web", tenant: "acme", labels: { team: "a" }, annotations: { note: "x" },
                      deletionRequested: true, ownerReferences: [ { kind: "IntegrationSpec", name: "crm", uid: "u1" } ] },
          spec: {
            image: "zpm/busybox:latest", command: ["httpd", "-f", "-p", "8080"], env: { MODE: "prod" }, replicas: 3,
            ports: [ { container: 8080, host: "auto" }, { container: 9090, host: 19090, protocol: "udp", hostIp: "0.0.0.0" } ],
            volumes: [ { name: "data", target: "/data", readOnly: true, driver: "local", driverOpts: { type: "nfs" } },
                       { hostPath: "/tmp", target: "/host" } ],
            networks: ["n1"],
            healthCheck: { http: { port: 8080, path: "/health" }, intervalSeconds: 2, timeoutSeconds: 1, retries: 5, startPeriodSeconds: 3 },
            restartPolicy: "on-failure", resources: { cpus: 0.5, memoryMb: 64 }, dependsOn: ["db"], category: "core",
            update: { order: "stop-first", parallelism: 2 }, suspended: true
          },
          status: { phase: "Running", observedSpecHash: "abc", replicas: { desired: 3, ready: 2 },
                    conditions: [ { type: "Ready", status: "True", reason: "AllHealthy", message: "ok",
                                    lastTransitionTime: { $date: "2026-01-02T03:04:05Z" } } ],
                    updatedAt: { $date: "2026-01-02T03:04:06Z" } }
        }
        """;

    [Fact]
    public void A_complete_document_maps_every_field()
    {
        var stored = Mapper.Read(BsonDocument.Parse(FullDocument));

        Assert.Null(stored.InvalidReason);
        Assert.Equal(new ResourceKey("ServiceSpec", "acme", "web"), stored.Key);
        Assert.Equal("acme/web", stored.Uid);
        var spec = stored.Spec!;
        Assert.True(spec.Metadata.DeletionRequested);
        Assert.Equal("a", spec.Metadata.Labels["team"]);
        Assert.Equal(new OwnerReference("IntegrationSpec", "crm", "u1"), Assert.Single(spec.Metadata.OwnerReferences));
        var body = spec.Spec;
        Assert.Equal("zpm/busybox:latest", body.Image);
        Assert.Equal(["httpd", "-f", "-p", "8080"], body.Command);
        Assert.Equal("prod", body.Env["MODE"]);
        Assert.Equal(3, body.Replicas);
        Assert.Equal([new PortSpec(8080, null), new PortSpec(9090, 19090, "udp", "0.0.0.0")], body.Ports);
        Assert.Equal("data", body.Volumes[0].Name);
        Assert.True(body.Volumes[0].ReadOnly);
        Assert.Equal("nfs", body.Volumes[0].DriverOpts["type"]);
        Assert.Equal("/tmp", body.Volumes[1].HostPath);
        Assert.Equal(["n1"], body.Networks);
        Assert.Equal(new HttpProbe(8080, "/health"), body.HealthCheck!.Http);
        Assert.Equal(5, body.HealthCheck.Retries);
        Assert.Equal(RestartPolicy.OnFailure, body.RestartPolicy);
        Assert.Equal(new ResourceLimits(0.5, 64), body.Resources);
        Assert.Equal(["db"], body.DependsOn);
        Assert.Equal(ServiceCategory.Core, body.Category);
        Assert.Equal(new UpdateStrategy { Order = UpdateOrder.StopFirst, Parallelism = 2 }, body.Update);
        Assert.True(body.Suspended);
        Assert.Equal(ResourcePhase.Running, stored.Status!.Phase);
        Assert.Equal(new ReplicaCounts(3, 2), stored.Status.Replicas);
        Assert.True(Assert.Single(stored.Status.Conditions).Status);
    }

    private const string RolloutAndPlacementSpec = """
        {
          image: "zpm/busybox:latest", replicas: 6, restartPolicy: "always", category: "app",
          update: { order: "start-first", parallelism: 2, delaySeconds: 10, monitorSeconds: 30, failureAction: "rollback" },
          rollback: { order: "stop-first", parallelism: 3, delaySeconds: 1, monitorSeconds: 8, failureAction: "continue" },
          suspended: false,
          placement: { constraints: ["node.role==worker", "node.labels.zone!=a"],
                       preferences: [ { spread: "node.labels.zone" }, { spread: "engine.labels.rack" } ],
                       maxReplicasPerNode: 2 }
        }
        """;

    [Fact]
    public void Rollout_and_placement_fields_are_read_and_written_back_as_the_same_document()
    {
        var spec = BsonDocument.Parse(RolloutAndPlacementSpec);
        var document = new BsonDocument { ["metadata"] = new BsonDocument("name", "web"), ["spec"] = spec };

        var stored = Mapper.Read(document);

        Assert.Null(stored.InvalidReason);
        var body = stored.Spec!.Spec;
        Assert.Equal(new UpdateStrategy { Order = UpdateOrder.StartFirst, Parallelism = 2, DelaySeconds = 10, MonitorSeconds = 30, FailureAction = UpdateFailureAction.Rollback }, body.Update);
        Assert.Equal(new RollbackStrategy { Order = UpdateOrder.StopFirst, Parallelism = 3, DelaySeconds = 1, MonitorSeconds = 8, FailureAction = UpdateFailureAction.Continue }, body.Rollback);
        Assert.Equal(["node.role==worker", "node.labels.zone!=a"], body.Placement!.Constraints);
        Assert.Equal([new PlacementPreference("node.labels.zone"), new PlacementPreference("engine.labels.rack")], body.Placement.Preferences);
        Assert.Equal(2, body.Placement.MaxReplicasPerNode);
        Assert.Equal(spec, ServiceSpecDocuments.ToSpecDocument(body));
    }

    [Fact]
    public void Without_rollout_fields_the_contract_defaults_apply_and_there_is_no_placement()
    {
        var stored = Mapper.Read(BsonDocument.Parse("""{ metadata: { name: "web" }, spec: { image: "i", update: { order: "stop-first" } } }"""));

        var body = stored.Spec!.Spec;
        Assert.Equal(new UpdateStrategy { Order = UpdateOrder.StopFirst, Parallelism = 1, DelaySeconds = 0, MonitorSeconds = 5, FailureAction = UpdateFailureAction.Rollback }, body.Update);
        Assert.Equal(new RollbackStrategy { Order = UpdateOrder.StartFirst, Parallelism = 1, DelaySeconds = 0, MonitorSeconds = 5, FailureAction = UpdateFailureAction.Pause }, body.Rollback);
        Assert.Null(body.Placement);
    }

    [Theory]
    [InlineData("""{ update: { failureAction: "retry" } }""", "spec.update.failureAction must be one of rollback | pause | continue, got \"retry\"")]
    [InlineData("""{ update: { monitorSeconds: 0 } }""", "spec.update.monitorSeconds must be an integer ≥ 1, got 0")]
    [InlineData("""{ update: { delaySeconds: -1 } }""", "spec.update.delaySeconds must be an integer ≥ 0, got -1")]
    [InlineData("""{ update: { delaySeconds: 7200 } }""", "spec.update.delaySeconds must be between 0 and 3600 (got 7200)")]
    [InlineData("""{ update: { maxFailureRatio: 0.1 } }""", "spec.update.maxFailureRatio is not a known field")]
    [InlineData("""{ rollback: { failureAction: "rollback" } }""", "spec.rollback.failureAction must be pause or continue: a failed rollback has nothing to roll back to")]
    [InlineData("""{ rollback: "fast" }""", "spec.rollback must be an object, got \"fast\"")]
    [InlineData("""{ placement: { constraints: ["node.role=worker"] } }""", "spec.placement.constraints[0] 'node.role=worker' must be KEY==VALUE or KEY!=VALUE")]
    [InlineData("""{ placement: { constraints: "node.role==worker" } }""", "spec.placement.constraints must be an array, got \"node.role==worker\"")]
    [InlineData("""{ placement: { preferences: [ { spread: "zone" } ] } }""", "spec.placement.preferences[0].spread 'zone' must name a label to spread over")]
    [InlineData("""{ placement: { preferences: [ { } ] } }""", "spec.placement.preferences[0].spread is required")]
    [InlineData("""{ placement: { preferences: [ { spread: "node.labels.zone", weight: 2 } ] } }""", "spec.placement.preferences[0].weight is not a known field")]
    [InlineData("""{ placement: { maxReplicasPerNode: -1 } }""", "spec.placement.maxReplicasPerNode must be an integer ≥ 0, got -1")]
    [InlineData("""{ placement: { platforms: [] } }""", "spec.placement.platforms is not a known field")]
    public void Bad_rollout_or_placement_fields_are_reported_with_the_field(string specFields, string expectedReason)
    {
        var spec = BsonDocument.Parse(specFields);
        spec["image"] = "i";
        var stored = Mapper.Read(new BsonDocument { ["metadata"] = new BsonDocument("name", "web"), ["spec"] = spec });

        Assert.Null(stored.Spec);
        Assert.Contains(expectedReason, stored.InvalidReason);
    }

    [Fact]
    public void A_minimal_mongosh_document_gets_the_contract_defaults()
    {
        // mongosh stores plain numbers as doubles and generates an ObjectId _id.
        var id = ObjectId.GenerateNewId();
        var document = new BsonDocument
        {
            ["_id"] = id,
            ["metadata"] = new BsonDocument("name", "web"),
            ["spec"] = new BsonDocument { ["image"] = "zpm/busybox:latest", ["ports"] = new BsonArray { new BsonDocument("container", 8080.0) } },
        };

        var stored = Mapper.Read(document);

        Assert.Null(stored.InvalidReason);
        Assert.Equal(new ResourceKey("ServiceSpec", "system", "web"), stored.Key);
        Assert.Equal(id.ToString(), stored.Uid);
        Assert.Equal(1, stored.Spec!.Spec.Replicas);
        Assert.Equal(ServiceCategory.App, stored.Spec.Spec.Category);
        Assert.Equal(RestartPolicy.Always, stored.Spec.Spec.RestartPolicy);
        Assert.Equal(new PortSpec(8080, null, "tcp", "127.0.0.1"), Assert.Single(stored.Spec.Spec.Ports));
        Assert.Null(stored.Status);
    }

    [Fact]
    public void Replicas_written_as_a_double_by_mongosh_count_as_an_integer()
    {
        var stored = Mapper.Read(BsonDocument.Parse("""{ metadata: { name: "web" }, spec: { image: "i", replicas: 3.0 } }"""));

        Assert.Equal(3, stored.Spec!.Spec.Replicas);
    }

    [Theory]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", replicas: -2 } }""", "spec.replicas must be an integer ≥ 0, got -2")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", replicas: 1.5 } }""", "spec.replicas must be an integer ≥ 0, got 1.5")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", replicas: "3" } }""", "spec.replicas must be an integer ≥ 0, got \"3\"")]
    [InlineData("""{ metadata: { name: "web" }, spec: { replicas: 1 } }""", "spec.image is required")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "" } }""", "spec.image must be a non-empty string, got \"\"")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: 5 } }""", "spec.image must be a non-empty string, got 5")]
    [InlineData("""{ metadata: { name: "web" } }""", "spec is required")]
    [InlineData("""{ metadata: { name: "web" }, spec: "x" }""", "spec must be an object, got \"x\"")]
    [InlineData("""{ spec: { image: "i" } }""", "metadata is required")]
    [InlineData("""{ metadata: { }, spec: { image: "i" } }""", "metadata.name is required")]
    [InlineData("""{ metadata: { name: "Web_1" }, spec: { image: "i" } }""", "metadata.name must be a DNS label")]
    [InlineData("""{ metadata: { name: "web", tenant: "-acme" }, spec: { image: "i" } }""", "metadata.tenant must be a DNS label")]
    [InlineData("""{ metadata: { name: "web\n" }, spec: { image: "i" } }""", "metadata.name must be a DNS label")]
    [InlineData("""{ metadata: { name: "web", tenant: "acme\n" }, spec: { image: "i" } }""", "metadata.tenant must be a DNS label")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", colour: "red" } }""", "spec.colour is not a known field")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", env: { PORT: 8080 } } }""", "spec.env.PORT must be a string, got 8080")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", command: "httpd" } }""", "spec.command must be an array, got \"httpd\"")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", ports: [ { container: 70000 } ] } }""", "spec.ports[0].container must be an integer between 1 and 65535, got 70000")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", ports: [ { container: 80, host: "any" } ] } }""", "spec.ports[0].host must be an integer between 1 and 65535 or \"auto\"")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", ports: [ { container: 80, protocol: "sctp" } ] } }""", "spec.ports[0].protocol must be one of tcp | udp")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", volumes: [ { target: "/d" } ] } }""", "spec.volumes[0] must set exactly one of name or hostPath")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", healthCheck: { intervalSeconds: 1 } } }""", "spec.healthCheck must set exactly one of http, tcp or exec, got 0")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", healthCheck: { tcp: { port: 1 }, exec: ["true"] } } }""", "spec.healthCheck must set exactly one of http, tcp or exec, got 2")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", restartPolicy: "sometimes" } }""", "spec.restartPolicy must be one of always | on-failure | never, got \"sometimes\"")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", category: "web" } }""", "spec.category must be one of system | core | batch | app")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", update: { parallelism: 0 } } }""", "spec.update.parallelism must be an integer ≥ 1, got 0")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i", suspended: "yes" } }""", "spec.suspended must be true or false, got \"yes\"")]
    [InlineData("""{ kind: "Pod", metadata: { name: "web" }, spec: { image: "i" } }""", "kind must be \"ServiceSpec\", got \"Pod\"")]
    [InlineData("""{ apiVersion: "v2", metadata: { name: "web" }, spec: { image: "i" } }""", "apiVersion must be \"zpm/v1\"")]
    public void A_bad_document_is_reported_with_the_field_and_what_was_wrong(string json, string expectedReason)
    {
        var stored = Mapper.Read(BsonDocument.Parse(json));

        Assert.Null(stored.Spec);
        Assert.Contains(expectedReason, stored.InvalidReason);
    }

    [Fact]
    public void Every_problem_of_a_document_is_reported_not_only_the_first()
    {
        var stored = Mapper.Read(BsonDocument.Parse("""{ metadata: { name: "web" }, spec: { replicas: -1, colour: "red" } }"""));

        Assert.Contains("spec.image is required", stored.InvalidReason);
        Assert.Contains("spec.replicas must be an integer ≥ 0, got -1", stored.InvalidReason);
        Assert.Contains("spec.colour is not a known field", stored.InvalidReason);
    }

    [Fact]
    public void A_document_without_a_name_still_gets_a_key_so_its_status_can_explain_the_problem()
    {
        var id = ObjectId.GenerateNewId();
        var stored = Mapper.Read(new BsonDocument { ["_id"] = id, ["spec"] = new BsonDocument("image", "i") });

        Assert.Equal(new ResourceKey("ServiceSpec", "system", id.ToString()), stored.Key);
        Assert.Null(stored.Spec);
    }

    [Fact]
    public void A_nameless_document_with_a_contract_id_takes_its_key_from_the_id()
    {
        var stored = Mapper.Read(BsonDocument.Parse("""{ _id: "acme/web", metadata: { name: 7 }, spec: { image: "i" } }"""));

        Assert.Equal(new ResourceKey("ServiceSpec", "acme", "web"), stored.Key);
        Assert.Contains("metadata.name must be a non-empty string, got 7", stored.InvalidReason);
    }

    [Fact]
    public void Semantic_problems_from_the_domain_validator_make_the_document_invalid()
    {
        var mapper = new ServiceDocumentMapper(spec => spec.Spec.DependsOn.Contains(spec.Metadata.Name) ? ["spec.dependsOn must not name the service itself"] : []);

        var stored = mapper.Read(BsonDocument.Parse("""{ metadata: { name: "web" }, spec: { image: "i", dependsOn: ["web"] } }"""));

        Assert.Null(stored.Spec);
        Assert.Equal("spec.dependsOn must not name the service itself", stored.InvalidReason);
    }

    [Fact]
    public void The_domain_rules_apply_by_default()
    {
        var stored = Mapper.Read(BsonDocument.Parse("""{ metadata: { name: "web" }, spec: { image: "i", dependsOn: ["web"] } }"""));

        Assert.Null(stored.Spec);
        Assert.Contains("spec.dependsOn", stored.InvalidReason);
    }

    [Theory]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i" }, status: "broken" }""")]
    [InlineData("""{ metadata: { name: "web" }, spec: { image: "i" }, status: { phase: 5, replicas: "x", conditions: [1, { status: true }] } }""")]
    public void A_malformed_status_never_makes_a_valid_spec_unreadable(string json)
    {
        var stored = Mapper.Read(BsonDocument.Parse(json));

        Assert.NotNull(stored.Spec);
        Assert.Null(stored.InvalidReason);
    }
}
