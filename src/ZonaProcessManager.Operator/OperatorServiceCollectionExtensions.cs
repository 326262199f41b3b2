using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Kinds;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Metrics;
using ZonaProcessManager.Operator.Revisions;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator;

public static class OperatorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the operator core: queue, one reconciler per kind (routed through Mediator), and the watch,
    /// Docker-event, resync and worker loops, which <see cref="LeaderGate"/> runs only while this instance leads (by
    /// default <see cref="SingleInstanceLeaderElection"/>: at once and for good; a host may register its own
    /// <see cref="ILeaderElection"/>, the last registration wins). The ports (<see cref="OperatorApp.RequiredPorts"/>) must be registered by the caller, so the same
    /// core runs on MongoDB + Docker in production and on fakes in tests.
    /// </summary>
    public static IServiceCollection AddZpmOperatorCore(this IServiceCollection services, OperatorSettings settings)
    {
        settings.Validate();
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new PlannerSettings
        {
            RolloutDeadline = settings.RolloutHealthDeadline,
            ProgressRequeue = settings.ProgressRequeueInterval,
            DependencyRequeue = settings.DependencyRequeueInterval,
            Isolation = settings.Isolation,
        });
        services.AddSingleton<ReconcilePlanner>(sp => new ReconcilePlanner(sp.GetRequiredService<PlannerSettings>()));
        services.AddSingleton<OperatorHealth>();
        services.AddSingleton<OperatorLiveness>();
        // The instruments exist whether or not anything exports them; an exporter (the Web adapter's /metrics) listens
        // to OperatorMetrics.MeterName.
        services.AddMetrics();
        services.AddSingleton<OperatorMetrics>();
        services.AddSingleton<ReconcileQueue>();
        services.AddSingleton<ResourceEnumerator>();
        services.AddSingleton<Resync>();
        services.AddSingleton<ResilientLoop>();
        services.AddSingleton<IReconcileTrigger, QueueReconcileTrigger>();
        services.AddSingleton<ExpectedContainerStarts>();
        services.AddSingleton<BestEffortEventRecorder>();
        services.AddSingleton<StatusPublisher>();
        // In memory unless the host registers a persistent store (`zpm run`: MongoDB's `revisions` collection).
        services.TryAddSingleton<IRevisionStore, InMemoryRevisionStore>();
        services.AddSingleton<RevisionRecorder>();

        // One line per kind: its queue, routing, resync keys and watched collection all follow from it.
        services.AddReconciler<ServiceReconciler>(ServiceSpec.KindName, keySource: _ => new ServiceKeySource());
        services.AddReconciler<IntegrationReconciler>(IntegrationSpec.KindName, keySource: _ => new IntegrationKeySource());
        services.AddReconciler<TenantReconciler>(Tenant.KindName, keySource: _ => new TenantKeySource());
        // No key source: a resync enqueues every integration, which reads the catalog anyway.
        services.AddReconciler<CatalogReconciler>(IntegrationDefinition.KindName, clusterScoped: true);
        // Cluster-wide: a release names the tenants it touches; ReleaseReconciler runs one only in an operator that
        // manages all of them. Hosts without a release store (test fakes) get one that holds no releases.
        services.TryAddSingleton<IReleaseStore, EmptyReleaseStore>();
        services.AddSingleton(sp => new ReleasePlanner(settings.ReleaseRequeueInterval));
        services.AddReconciler<ReleaseReconciler>(Release.KindName, clusterScoped: true,
            keySource: sp => new ReleaseKeySource(sp.GetRequiredService<IReleaseStore>()));

        services.AddMediator((MediatorOptions options) =>
        {
            options.Namespace = "ZonaProcessManager.Operator.Mediation";
            options.ServiceLifetime = ServiceLifetime.Singleton;
            options.GenerateTypesAsInternal = true;
            options.Assemblies = [typeof(ReconcileRequest)];
            options.PipelineBehaviors = [typeof(ReconcileTimingBehavior)];
        });

        // Leader-only work, started in this order at the start of every term: the queue workers first, so the queues
        // are open before the watch, the events and the start-up resync enqueue.
        services.TryAddSingleton<ILeaderElection, SingleInstanceLeaderElection>();
        services.TryAddSingleton<LeadershipContext>();
        services.TryAddSingleton<ILeadershipContext>(sp => sp.GetRequiredService<LeadershipContext>());
        services.AddSingleton<ILeaderOnlyLoop, QueueWorker>();
        services.AddSingleton<ILeaderOnlyLoop, WatchLoop>();
        services.AddSingleton<ILeaderOnlyLoop, DockerEventLoop>();
        services.AddSingleton<ILeaderOnlyLoop, ResyncLoop>();
        services.AddHostedService<LeaderGate>();
        return services;
    }
}
