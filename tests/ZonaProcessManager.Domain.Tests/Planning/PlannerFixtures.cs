using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Domain.Tests.Planning;

internal static class PlannerFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static readonly HealthCheckSpec HttpCheck = new() { Http = new HttpProbe(8080, "/health") };

    public static ServiceSpec Service(
        int replicas = 3,
        string image = "zpm/busybox:latest",
        UpdateOrder order = UpdateOrder.StartFirst,
        int parallelism = 1,
        RestartPolicy restartPolicy = RestartPolicy.Always,
        bool suspended = false,
        bool healthCheck = true,
        IReadOnlyList<string>? dependsOn = null,
        IReadOnlyList<PortSpec>? ports = null,
        IReadOnlyList<string>? networks = null,
        IReadOnlyList<VolumeSpec>? volumes = null,
        bool deletionRequested = false,
        int monitorSeconds = 1) => new()
        {
            Metadata = new ResourceMetadata { Name = "web", Tenant = "acme", DeletionRequested = deletionRequested },
            Spec = new ServiceSpecBody
            {
                Image = image,
                Replicas = replicas,
                // The shortest monitor window the contract allows unless a test asks for more: a new replica is
                // available one second after its start, so a rollout advances one batch per simulated second.
                Update = new UpdateStrategy { Order = order, Parallelism = parallelism, MonitorSeconds = monitorSeconds },
                RestartPolicy = restartPolicy,
                Suspended = suspended,
                HealthCheck = healthCheck ? HttpCheck : null,
                DependsOn = dependsOn ?? [],
                Ports = ports ?? [],
                Networks = networks ?? [],
                Volumes = volumes ?? [],
            },
        };

    public static string HashOf(ServiceSpec service) => SpecHasher.Hash(service.Spec);

    public static ObservedContainer Container(
        int slot,
        string hash,
        ContainerState state = ContainerState.Running,
        ContainerHealth health = ContainerHealth.Healthy,
        int? exitCode = null,
        DateTimeOffset? startedAt = null) => new()
        {
            Id = $"id-{hash}-{slot}",
            Name = $"zpm-acme-web-{slot}",
            Owner = new ResourceKey(ServiceSpec.KindName, "acme", "web"),
            Replica = slot,
            SpecHash = hash,
            State = state,
            Health = health,
            ExitCode = exitCode,
            StartedAt = startedAt ?? Now.AddMinutes(-30),
            CreatedAt = (startedAt ?? Now.AddMinutes(-30)).AddSeconds(-1),
        };

    public static ObservedContainer[] Healthy(string hash, params int[] slots) =>
        [.. slots.Select(s => Container(s, hash))];

    public static ReconcilePlan Plan(ServiceSpec service, IEnumerable<ObservedContainer> observed,
        IReadOnlyCollection<string>? unreadyDependencies = null, DateTimeOffset? now = null, PlannerSettings? settings = null) =>
        new ReconcilePlanner(settings ?? new PlannerSettings()).Plan(new PlanInput
        {
            Service = service,
            SpecHash = HashOf(service),
            Observed = [.. observed],
            UnreadyDependencies = unreadyDependencies ?? [],
            Now = now ?? Now,
        });

    public static int[] SlotsOf<T>(ReconcilePlan plan)
        where T : ReconcileAction =>
        [.. plan.Actions.OfType<T>().Select(a => a switch
        {
            CreateReplica c => c.Container.Replica,
            RemoveContainer r => r.Replica,
            RestartContainer r => r.Replica,
            ReplaceContainer r => r.Replacement.Replica,
            _ => -1,
        })];
}
