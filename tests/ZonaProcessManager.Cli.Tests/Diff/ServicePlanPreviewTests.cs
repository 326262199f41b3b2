using ZonaProcessManager.Cli.Diff;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Planning.Swarm;

namespace ZonaProcessManager.Cli.Tests.Diff;

public sealed class ServicePlanPreviewTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);
    private static readonly ReconcilePlanner Planner = new();

    private static ServiceSpec Service(string image = "zpm/busybox:1.0", int replicas = 2, int? hostPort = null, IReadOnlyList<string>? dependsOn = null) => new()
    {
        Metadata = new ResourceMetadata { Name = "web", Tenant = "t1" },
        Spec = new ServiceSpecBody
        {
            Image = image,
            Replicas = replicas,
            Ports = [new PortSpec(8080, hostPort)],
            DependsOn = dependsOn ?? [],
        },
    };

    private static DesiredWorkload Desired(ServiceSpec service, IReadOnlyCollection<string>? unready = null) => new()
    {
        Service = service,
        SpecHash = SpecHasher.Hash(service.Spec),
        UnreadyDependencies = unready ?? [],
    };

    private static ObservedContainer Running(ServiceSpec service, int slot) => new()
    {
        Id = $"id-{slot}",
        Name = $"zpm-t1-web-{slot}",
        Owner = service.Key,
        Replica = slot,
        SpecHash = SpecHasher.Hash(service.Spec),
        State = ContainerState.Running,
        StartedAt = Now.AddMinutes(-5),
        CreatedAt = Now.AddMinutes(-5),
    };

    [Fact]
    public void A_changed_image_replaces_every_container_of_the_old_spec_one_at_a_time()
    {
        var old = Service();
        var changed = Service(image: "zpm/busybox:1.1");

        var lines = ServicePlanPreview.SingleHost(Planner, Desired(changed), SpecHasher.Hash(old.Spec), [Running(old, 0), Running(old, 1)], Now);

        Assert.Equal(
            [
                $"spec hash {SpecHasher.Hash(old.Spec)} → {SpecHasher.Hash(changed.Spec)}: containers of the previous spec are replaced",
                "replace 2 container(s) (rolling update, start-first, 1 at a time): zpm-t1-web-0 → zpm-t1-web-2, zpm-t1-web-1 → zpm-t1-web-1",
                "ensure network zpm-tenant-t1",
                "host port for container port 8080/tcp: auto, a free port on 127.0.0.1 chosen by Docker at start",
            ],
            lines);
    }

    [Fact]
    public void A_fixed_host_port_rolls_stop_first_and_names_the_port()
    {
        var old = Service(hostPort: 18080);
        var changed = Service(image: "zpm/busybox:1.1", hostPort: 18080, replicas: 1);

        var lines = ServicePlanPreview.SingleHost(Planner, Desired(changed), SpecHasher.Hash(old.Spec), [Running(old, 0)], Now);

        Assert.Contains("replace 1 container(s) (rolling update, stop-first, 1 at a time): zpm-t1-web-0 → zpm-t1-web-0", lines);
        Assert.Contains("host port 127.0.0.1:18080/tcp → container port 8080 (fixed)", lines);
    }

    [Fact]
    public void More_replicas_keep_the_spec_hash_and_only_create_the_new_ones()
    {
        var old = Service(replicas: 1);
        var scaled = Service(replicas: 3);

        var lines = ServicePlanPreview.SingleHost(Planner, Desired(scaled), SpecHasher.Hash(old.Spec), [Running(old, 0)], Now);

        Assert.Equal(
            [
                $"spec hash unchanged ({SpecHasher.Hash(old.Spec)}): no field that defines a container changed, so no container is replaced for it",
                "create 2 container(s): zpm-t1-web-1, zpm-t1-web-2",
                "ensure network zpm-tenant-t1",
                "host port for container port 8080/tcp: auto, a free port on 127.0.0.1 chosen by Docker at start",
            ],
            lines);
    }

    [Fact]
    public void Fewer_replicas_remove_the_highest_slots()
    {
        var old = Service(replicas: 3);

        var lines = ServicePlanPreview.SingleHost(Planner, Desired(Service(replicas: 1)), SpecHasher.Hash(old.Spec), [Running(old, 0), Running(old, 1), Running(old, 2)], Now);

        Assert.Contains("remove 2 container(s) (scaling down): zpm-t1-web-1, zpm-t1-web-2", lines);
        Assert.DoesNotContain(lines, line => line.StartsWith("create", StringComparison.Ordinal) || line.StartsWith("host port", StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_waiting_for_a_dependency_creates_nothing()
    {
        var service = Service(dependsOn: ["db"]);

        var lines = ServicePlanPreview.SingleHost(Planner, Desired(service, unready: ["db"]), storedSpecHash: null, [], Now);

        Assert.Equal(["Waiting for db to be Running (nothing new starts until then)", "no container is created, replaced or removed"], lines);
    }

    [Fact]
    public void A_stopped_replica_of_the_current_spec_is_restarted()
    {
        var service = Service(replicas: 1);
        var exited = Running(service, 0) with { State = ContainerState.Exited, ExitCode = 3, FinishedAt = Now.AddMinutes(-1) };

        var lines = ServicePlanPreview.SingleHost(Planner, Desired(service), SpecHasher.Hash(service.Spec), [exited], Now);

        Assert.Contains("restart 1 container(s) (exited with code 3, restartPolicy Always): zpm-t1-web-0", lines);
    }

    [Fact]
    public void On_Swarm_a_changed_image_is_one_service_update_that_Swarm_rolls()
    {
        var planner = new SwarmPlanner();
        var old = Service();
        var changed = Service(image: "zpm/busybox:1.1");
        var observed = new ObservedWorkload
        {
            Owner = old.Key,
            SpecHash = planner.SpecHashOf(old.Spec),
            ReportedCounts = new ReplicaCounts(2, 2),
        };

        var lines = ServicePlanPreview.Swarm(planner, Desired(changed), observed, Now);

        Assert.Contains($"update swarm service zpm-t1-web to spec {planner.SpecHashOf(changed.Spec)} (2 replica(s)); Swarm replaces the tasks (start-first, 1 at a time, on failure rollback)", lines);
        Assert.Contains("host port for container port 8080/tcp: allocated by Swarm", lines);
    }

    [Fact]
    public void On_Swarm_more_replicas_scale_the_service_and_replace_no_task()
    {
        var planner = new SwarmPlanner();
        var old = Service();
        var observed = new ObservedWorkload { Owner = old.Key, SpecHash = planner.SpecHashOf(old.Spec), ReportedCounts = new ReplicaCounts(2, 2) };

        var lines = ServicePlanPreview.Swarm(planner, Desired(Service(replicas: 4)), observed, Now);

        Assert.Equal(["scale swarm service zpm-t1-web to 4 replica(s); no task is replaced"], lines);
    }
}
