using CsCheck;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Tests.Hashing;

public class SpecHasherTests
{
    private static readonly ServiceSpecBody Baseline = new()
    {
        Image = "zpm/busybox:latest",
        Command = ["httpd", "-f", "-p", "8080"],
        Env = new Dictionary<string, string> { ["MODE"] = "prod", ["LEVEL"] = "info" },
        Replicas = 2,
        Ports = [new PortSpec(8080, null), new PortSpec(9090, 19090, "udp")],
        Volumes = [new VolumeSpec { Name = "data", Target = "/data", Driver = "local", DriverOpts = new Dictionary<string, string> { ["type"] = "nfs", ["o"] = "addr=10.0.0.1" } }],
        Networks = ["zpm-tenant-acme", "shared"],
        HealthCheck = new HealthCheckSpec { Http = new HttpProbe(8080, "/health") },
        RestartPolicy = RestartPolicy.Always,
        Resources = new ResourceLimits(0.5, 128),
        DependsOn = ["db"],
        Category = ServiceCategory.Core,
        Update = new UpdateStrategy { Order = UpdateOrder.StartFirst, Parallelism = 1 },
    };

    private const string PinnedBaselineHash = "4c0da7ca92f5dd6e";

    [Fact]
    public void The_hash_is_16_lowercase_hex_characters_and_pinned_so_format_changes_are_deliberate()
    {
        var hash = SpecHasher.Hash(Baseline);

        Assert.Matches("^[0-9a-f]{16}$", hash);
        // Changing this value rolls every container of every user once: only do it on purpose (bump FormatVersion).
        Assert.Equal(PinnedBaselineHash, hash);
    }

    [Fact]
    public void A_spec_using_every_rollout_and_placement_field_keeps_the_pinned_hash_so_no_container_is_replaced()
    {
        // The single-host backend replaces a container whose zpm.spec-hash differs: fields it does not run on must not
        // reach the hash, or adding them to the contract would have rolled every container once.
        var withEverything = Baseline with
        {
            Update = new UpdateStrategy { Order = UpdateOrder.StopFirst, Parallelism = 3, DelaySeconds = 5, MonitorSeconds = 20, FailureAction = UpdateFailureAction.Pause },
            Rollback = new RollbackStrategy { Order = UpdateOrder.StopFirst, Parallelism = 2, DelaySeconds = 1, MonitorSeconds = 9, FailureAction = UpdateFailureAction.Continue },
            Placement = new PlacementSpec
            {
                Constraints = ["node.role==worker", "node.labels.zone!=a"],
                Preferences = [new PlacementPreference("node.labels.zone")],
                MaxReplicasPerNode = 1,
            },
        };

        Assert.Equal(PinnedBaselineHash, SpecHasher.Hash(withEverything));
        Assert.Equal(SpecHasher.CanonicalJson(Baseline), SpecHasher.CanonicalJson(withEverything));
    }

    [Fact]
    public void Insertion_order_of_maps_never_changes_the_hash()
    {
        var entries = Gen.Select(Gen.Int[0, 40], Gen.String).Array[0, 12]
            .Select(pairs => pairs.DistinctBy(p => p.Item1).Select(p => ($"VAR_{p.Item1}", p.Item2)).ToArray());
        Gen.Select(entries, entries, Gen.Int).Sample((env, opts, seed) =>
        {
            var random = new Random(seed);
            var shuffledEnv = env.OrderBy(_ => random.Next()).ToArray();
            var shuffledOpts = opts.OrderBy(_ => random.Next()).ToArray();
            var a = Baseline with
            {
                Env = env.ToDictionary(e => e.Item1, e => e.Item2),
                Volumes = [Baseline.Volumes[0] with { DriverOpts = opts.ToDictionary(e => e.Item1, e => e.Item2) }],
            };
            var b = Baseline with
            {
                Env = shuffledEnv.ToDictionary(e => e.Item1, e => e.Item2),
                Volumes = [Baseline.Volumes[0] with { DriverOpts = shuffledOpts.ToDictionary(e => e.Item1, e => e.Item2) }],
            };

            Assert.Equal(SpecHasher.Hash(a), SpecHasher.Hash(b));
        });
    }

    [Fact]
    public void Order_of_ports_volumes_and_networks_does_not_matter_to_docker_nor_to_the_hash()
    {
        var reordered = Baseline with
        {
            Ports = [.. Baseline.Ports.Reverse()],
            Networks = [.. Baseline.Networks.Reverse()],
            Volumes = [new VolumeSpec { HostPath = "/srv/logs", Target = "/logs" }, .. Baseline.Volumes],
        };
        var original = Baseline with { Volumes = [.. Baseline.Volumes, new VolumeSpec { HostPath = "/srv/logs", Target = "/logs" }] };

        Assert.Equal(SpecHasher.Hash(original), SpecHasher.Hash(reordered));
    }

    public static TheoryData<string, ServiceSpecBody> ChangesThatDoNotRestart() => new()
    {
        { "replicas", Baseline with { Replicas = 7 } },
        { "dependsOn", Baseline with { DependsOn = ["cache"] } },
        { "category", Baseline with { Category = ServiceCategory.Batch } },
        { "update", Baseline with { Update = new UpdateStrategy { Order = UpdateOrder.StopFirst, Parallelism = 3 } } },
        { "suspended", Baseline with { Suspended = true } },
        { "update delay, monitor and failure action", Baseline with { Update = new UpdateStrategy { DelaySeconds = 10, MonitorSeconds = 30, FailureAction = UpdateFailureAction.Continue } } },
        { "rollback", Baseline with { Rollback = new RollbackStrategy { Order = UpdateOrder.StopFirst, Parallelism = 2, DelaySeconds = 1, MonitorSeconds = 9, FailureAction = UpdateFailureAction.Continue } } },
        { "placement", Baseline with { Placement = new PlacementSpec { Constraints = ["node.role==worker"], Preferences = [new PlacementPreference("node.labels.zone")], MaxReplicasPerNode = 2 } } },
    };

    [Theory]
    [MemberData(nameof(ChangesThatDoNotRestart))]
    public void Fields_that_do_not_define_the_container_leave_the_hash_alone(string field, ServiceSpecBody changed)
    {
        Assert.True(SpecHasher.Hash(Baseline) == SpecHasher.Hash(changed), $"{field} changed the hash");
    }

    public static TheoryData<string, ServiceSpecBody> ChangesThatRestart() => new()
    {
        { "image", Baseline with { Image = "zpm/busybox:2" } },
        { "command", Baseline with { Command = ["httpd", "-f", "-p", "8081"] } },
        { "command order", Baseline with { Command = ["httpd", "-p", "-f", "8080"] } },
        { "env value", Baseline with { Env = new Dictionary<string, string> { ["MODE"] = "dev", ["LEVEL"] = "info" } } },
        { "env key", Baseline with { Env = new Dictionary<string, string> { ["MODE"] = "prod", ["LEVELS"] = "info" } } },
        { "env added", Baseline with { Env = new Dictionary<string, string> { ["MODE"] = "prod", ["LEVEL"] = "info", ["X"] = "" } } },
        { "port container", Baseline with { Ports = [new PortSpec(8081, null), Baseline.Ports[1]] } },
        { "port host", Baseline with { Ports = [new PortSpec(8080, 18080), Baseline.Ports[1]] } },
        { "port protocol", Baseline with { Ports = [Baseline.Ports[0], Baseline.Ports[1] with { Protocol = "tcp" }] } },
        { "port hostIp", Baseline with { Ports = [Baseline.Ports[0] with { HostIp = "0.0.0.0" }, Baseline.Ports[1]] } },
        { "volume target", Baseline with { Volumes = [Baseline.Volumes[0] with { Target = "/var/data" }] } },
        { "volume name", Baseline with { Volumes = [Baseline.Volumes[0] with { Name = "data2" }] } },
        { "volume readOnly", Baseline with { Volumes = [Baseline.Volumes[0] with { ReadOnly = true }] } },
        { "volume driver", Baseline with { Volumes = [Baseline.Volumes[0] with { Driver = "nfs" }] } },
        { "volume driverOpts", Baseline with { Volumes = [Baseline.Volumes[0] with { DriverOpts = new Dictionary<string, string> { ["type"] = "nfs" } }] } },
        { "volume bind", Baseline with { Volumes = [new VolumeSpec { HostPath = "/data", Target = "/data" }] } },
        { "networks", Baseline with { Networks = ["zpm-tenant-acme"] } },
        { "healthCheck kind", Baseline with { HealthCheck = new HealthCheckSpec { Tcp = new TcpProbe(8080) } } },
        { "healthCheck path", Baseline with { HealthCheck = new HealthCheckSpec { Http = new HttpProbe(8080, "/ready") } } },
        { "healthCheck exec", Baseline with { HealthCheck = new HealthCheckSpec { Exec = ["true"] } } },
        { "healthCheck interval", Baseline with { HealthCheck = Baseline.HealthCheck! with { IntervalSeconds = 11 } } },
        { "healthCheck timeout", Baseline with { HealthCheck = Baseline.HealthCheck! with { TimeoutSeconds = 6 } } },
        { "healthCheck retries", Baseline with { HealthCheck = Baseline.HealthCheck! with { Retries = 4 } } },
        { "healthCheck startPeriod", Baseline with { HealthCheck = Baseline.HealthCheck! with { StartPeriodSeconds = 1 } } },
        { "healthCheck removed", Baseline with { HealthCheck = null } },
        { "restartPolicy", Baseline with { RestartPolicy = RestartPolicy.OnFailure } },
        { "resources cpus", Baseline with { Resources = new ResourceLimits(0.75, 128) } },
        { "resources memory", Baseline with { Resources = new ResourceLimits(0.5, 256) } },
        { "resources removed", Baseline with { Resources = null } },
    };

    [Theory]
    [MemberData(nameof(ChangesThatRestart))]
    public void Every_field_that_defines_the_container_changes_the_hash(string field, ServiceSpecBody changed)
    {
        Assert.True(SpecHasher.Hash(Baseline) != SpecHasher.Hash(changed), $"{field} did not change the hash");
    }

    [Fact]
    public void Any_change_of_an_env_value_changes_the_hash()
    {
        Gen.Select(Gen.String, Gen.String).Where(p => p.Item1 != p.Item2).Sample((before, after) =>
        {
            var a = Baseline with { Env = new Dictionary<string, string> { ["V"] = before } };
            var b = Baseline with { Env = new Dictionary<string, string> { ["V"] = after } };

            Assert.NotEqual(SpecHasher.Hash(a), SpecHasher.Hash(b));
        });
    }

    [Fact]
    public void Values_cannot_leak_into_neighbouring_fields()
    {
        // A naive concatenation would hash {"A": "B=C"} and {"A=B": "C"} alike.
        var a = Baseline with { Env = new Dictionary<string, string> { ["A"] = "B=C" } };
        var b = Baseline with { Env = new Dictionary<string, string> { ["A=B"] = "C" } };
        var c = Baseline with { Command = ["a b"] };
        var d = Baseline with { Command = ["a", "b"] };

        Assert.NotEqual(SpecHasher.Hash(a), SpecHasher.Hash(b));
        Assert.NotEqual(SpecHasher.Hash(c), SpecHasher.Hash(d));
    }

    [Fact]
    public void A_service_never_restarted_keeps_the_pinned_hash_so_no_container_rolls_when_restarts_arrive()
    {
        var service = new ServiceSpec
        {
            Metadata = new ResourceMetadata { Name = "web", Tenant = "acme", Annotations = new Dictionary<string, string> { ["zpm.change-cause"] = "zpm apply by ops" } },
            Spec = Baseline,
        };

        Assert.Equal(PinnedBaselineHash, SpecHasher.HashOf(service));
        Assert.Equal(PinnedBaselineHash, SpecHasher.Hash(Baseline, restartedAt: null));
        Assert.Equal(PinnedBaselineHash, SpecHasher.Hash(Baseline, restartedAt: " "));
    }

    [Fact]
    public void A_restart_annotation_changes_the_hash_and_each_restart_gives_another()
    {
        var service = new ServiceSpec { Metadata = new ResourceMetadata { Name = "web", Tenant = "acme" }, Spec = Baseline };
        var restarted = service with
        {
            Metadata = service.Metadata with { Annotations = new Dictionary<string, string> { [RolloutRestart.Annotation] = "2026-12-06T23:40:00.0000000+00:00" } },
        };
        var restartedAgain = service with
        {
            Metadata = service.Metadata with { Annotations = new Dictionary<string, string> { [RolloutRestart.Annotation] = "2026-12-06T23:45:00.0000000+00:00" } },
        };

        Assert.NotEqual(SpecHasher.HashOf(service), SpecHasher.HashOf(restarted));
        Assert.NotEqual(SpecHasher.HashOf(restarted), SpecHasher.HashOf(restartedAgain));
        Assert.Equal(SpecHasher.Hash(Baseline, "2026-12-06T23:40:00.0000000+00:00"), SpecHasher.HashOf(restarted));
    }
}
