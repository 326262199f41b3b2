using ZonaProcessManager.Testing.Time;
using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Revisions;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;
using ZonaProcessManager.Operator.Workloads;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Tests.Controllers;

internal sealed class ReconcilerHarness
{
    public const string Image = "zpm/busybox:latest";

    public ReconcilerHarness(PlannerSettings? plannerSettings = null)
    {
        Runtime = new FakeContainerRuntime(Time);
        Planner = new ReconcilePlanner(plannerSettings ?? PlannerSettings.Default);
        ExpectedStarts = new ExpectedContainerStarts(Time);
        Health = new OperatorHealth(Time, NullLogger<OperatorHealth>.Instance);
        Events = new BestEffortEventRecorder(Store, Time, NullLogger<BestEffortEventRecorder>.Instance);
        Publisher = new StatusPublisher(Events);
        Workloads = new SingleHostWorkloadRuntime(Runtime, Planner, ExpectedStarts, Time, NullLogger<SingleHostWorkloadRuntime>.Instance);
        Revisions = new RevisionRecorder(RevisionStore, Settings, Time);
        Reconciler = new ServiceReconciler(Store, Workloads, Trigger, Time, Health, Publisher, Events, Revisions, NullLogger<ServiceReconciler>.Instance);
        Integrations = new FakeIntegrationStore(Store);
        IntegrationReconciler = NewIntegrationReconciler();
        TenantReconciler = new TenantReconciler(Integrations, Workloads, Trigger, Settings, Time, Publisher, Events, NullLogger<TenantReconciler>.Instance);
        CatalogReconciler = new CatalogReconciler(Integrations, Trigger, NullLogger<CatalogReconciler>.Instance);
    }

    public OperatorSettings Settings { get; } = new() { IntegrationPorts = new PortRange(20000, 20009), IntegrationRequeueInterval = TimeSpan.FromSeconds(1) };

    public RecordingReconcileTrigger Trigger { get; } = new();

    public InMemoryRevisionStore RevisionStore { get; } = new();

    public RevisionRecorder Revisions { get; }

    public OperatorHealth Health { get; }

    /// <summary>Records into <see cref="Store"/>'s events.</summary>
    public BestEffortEventRecorder Events { get; }

    public StatusPublisher Publisher { get; }

    public ExpectedContainerStarts ExpectedStarts { get; }

    public FakeIntegrationStore Integrations { get; }

    public FakeHostPortProbe HostPorts { get; } = new();

    public IntegrationReconciler IntegrationReconciler { get; }

    public TenantReconciler TenantReconciler { get; }

    public CatalogReconciler CatalogReconciler { get; }

    public ManualTimeProvider Time { get; } = new();

    public FakeServiceStore Store { get; } = new();

    public FakeContainerRuntime Runtime { get; }

    public ReconcilePlanner Planner { get; }

    /// <summary>The single-host workload runtime over <see cref="Runtime"/>, as the operator registers it by default.</summary>
    public SingleHostWorkloadRuntime Workloads { get; }

    public ServiceReconciler Reconciler { get; }

    /// <summary>A reconciler as a restarted operator would build it: nothing carried over but the store and Docker.</summary>
    public IntegrationReconciler NewIntegrationReconciler() =>
        new(Integrations, Store, Workloads, HostPorts, Trigger, Settings, Time, Publisher, Events, NullLogger<IntegrationReconciler>.Instance);

    public Task<ReconciliationResult> ReconcileAsync(ResourceKey key) => Reconciler.ReconcileAsync(key, CancellationToken.None);

    /// <summary>Reconciles like the queue would: again after each requeueAfter, until the reconciler is content.</summary>
    public async Task<ReconciliationResult> ConvergeAsync(ResourceKey key, int maxRounds = 20)
    {
        for (var round = 0; round < maxRounds; round++)
        {
            var result = await ReconcileAsync(key);
            if (!result.IsSuccess || result.RequeueAfter is null)
            {
                return result;
            }

            Time.Advance(result.RequeueAfter.Value);
        }

        throw new InvalidOperationException($"{key} did not settle within {maxRounds} reconciles");
    }

    public static ServiceSpec Service(
        string name,
        int replicas = 1,
        string image = Image,
        IReadOnlyDictionary<string, string>? env = null,
        UpdateStrategy? update = null,
        IReadOnlyList<string>? dependsOn = null,
        bool deletionRequested = false,
        bool suspended = false,
        string tenant = ResourceKey.DefaultTenant) => new()
        {
            Metadata = new ResourceMetadata { Name = name, Tenant = tenant, DeletionRequested = deletionRequested },
            Spec = new ServiceSpecBody
            {
                Image = image,
                Replicas = replicas,
                Env = env ?? new Dictionary<string, string>(),
                Update = update ?? new UpdateStrategy(),
                DependsOn = dependsOn ?? [],
                Suspended = suspended,
            },
        };
}
