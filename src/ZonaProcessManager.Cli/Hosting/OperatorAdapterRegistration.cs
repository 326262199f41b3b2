using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Leases;
using ZonaProcessManager.Operator.Kinds;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Cli.Hosting;

public static class OperatorAdapterRegistration
{
    /// <summary>
    /// Registers the production ports: the MongoDB stores, event recorder and change-stream watcher (of the collections of the kinds the
    /// operator registered reconcilers for), the Docker runtime and the host-port probe, and the leader election over a
    /// lease in MongoDB (one per scope: database and tenant filter), so several instances may share one database. The
    /// stores and the recorder fence their writes by the operator core's <see cref="ILeadershipContext"/>.
    /// </summary>
    public static IServiceCollection AddZpmOperatorAdapters(this IServiceCollection services, OperatorSettings settings) =>
        services.AddZpmOperatorAdapters(settings, WorkloadRuntimeChoice.SingleHost);

    /// <summary>
    /// As <see cref="AddZpmOperatorAdapters(IServiceCollection, OperatorSettings)"/>, with the workload runtime
    /// <paramref name="runtime"/> names: the single-host one over <see cref="DockerContainerRuntime"/>, or
    /// <see cref="SwarmWorkloadRuntime"/> on the Swarm manager at <see cref="OperatorSettings.DockerEndpoint"/>. The Swarm
    /// runtime takes the operator's stop grace period and planner settings, so both backends judge rollouts alike.
    /// </summary>
    public static IServiceCollection AddZpmOperatorAdapters(this IServiceCollection services, OperatorSettings settings, WorkloadRuntimeChoice runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        // The adapters' meters (the operator core registered the IMeterFactory); /metrics serves them when HTTP is on.
        services.AddSingleton<MongoMetrics>();
        services.AddSingleton<DockerRequestMetrics>();
        services.AddSingleton<IMongoClient>(_ => new MongoClient(settings.MongoConnectionString));
        services.AddSingleton(sp => sp.GetRequiredService<IMongoClient>().GetDatabase(settings.Database));
        // SafeStore: what escapes a store (and gets logged or recorded) never carries a server's errInfo or a document.
        // The leadership context (kept by the operator core's leader gate) fences every write the operator makes.
        services.AddSingleton(sp => SafeStore.Wrap<IServiceStore>(new MongoServiceStore(
            sp.GetRequiredService<IMongoDatabase>(), leadership: sp.GetRequiredService<ILeadershipContext>())));
        services.AddSingleton(sp => SafeStore.Wrap<IIntegrationStore>(new MongoIntegrationStore(
            sp.GetRequiredService<IMongoDatabase>(), sp.GetRequiredService<TimeProvider>(), leadership: sp.GetRequiredService<ILeadershipContext>(),
            metrics: sp.GetRequiredService<MongoMetrics>())));
        services.AddSingleton(sp => SafeStore.Wrap<IReleaseStore>(new MongoReleaseStore(
            sp.GetRequiredService<IMongoDatabase>(), sp.GetRequiredService<ILeadershipContext>())));
        services.AddSingleton(sp => SafeStore.Wrap<IEventRecorder>(new MongoEventRecorder(
            sp.GetRequiredService<IMongoDatabase>(), sp.GetRequiredService<ILeadershipContext>())));
        services.AddSingleton(sp => SafeStore.Wrap<IRevisionStore>(new MongoRevisionStore(
            sp.GetRequiredService<IMongoDatabase>(), sp.GetRequiredService<ILeadershipContext>())));
        services.AddSingleton<IHostPortProbe, SocketHostPortProbe>();
        services.AddSingleton<IResourceWatcher>(sp => new MongoResourceWatcher(
            sp.GetRequiredService<IMongoDatabase>(),
            new WatcherOptions
            {
                Collections = ZpmCollections.ForKinds(sp.GetRequiredService<KindRegistry>().Kinds),
                Tenants = settings.Tenants,
                InitialBackoff = settings.LoopRetryInitial,
                MaxBackoff = settings.LoopRetryMax,
                // A change ends the server's wait at once, so a longer wait only means fewer empty getMores while
                // nothing changes: one every 10 s instead of every second (MongoDB's default) measured 0.4 % of a
                // core less for an idle operator. The cost is a saved resume position up to 10 s older at a stop or a
                // crash, whose replayed changes level-triggered reconciles absorb.
                MaxAwaitTime = TimeSpan.FromSeconds(10),
            },
            sp.GetRequiredService<ILogger<MongoResourceWatcher>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILeadershipContext>(),
            sp.GetRequiredService<MongoMetrics>()));
        // The lease renews through a client of its own, so its writes never queue for a connection behind the stores'.
        services.AddKeyedSingleton<IMongoClient>(typeof(LeaseClient), (_, _) => LeaseClient.Create(settings.MongoConnectionString));
        services.AddSingleton(sp => new MongoLeaderElection(
            sp.GetRequiredKeyedService<IMongoClient>(typeof(LeaseClient)).GetDatabase(settings.Database),
            new LeaseOptions
            {
                LeaseName = ResumeTokenStore.ScopeOf(settings.Tenants),
                LeaseDuration = settings.LeaderElection.LeaseDuration,
                RenewDeadline = settings.LeaderElection.RenewDeadline,
                RetryPeriod = settings.LeaderElection.RetryPeriod,
                Role = settings.LeaderElection.Role,
            },
            sp.GetRequiredService<ILogger<MongoLeaderElection>>(),
            sp.GetRequiredService<TimeProvider>(),
            // Its own recorder on the lease's client: the leader-change event is written before the term begins, outside
            // any fencing of the operator's writes, and without waiting behind them for a connection.
            SafeStore.Wrap<IEventRecorder>(new MongoEventRecorder(sp.GetRequiredKeyedService<IMongoClient>(typeof(LeaseClient)).GetDatabase(settings.Database)))));
        services.AddSingleton(sp => new ExitOnLostLeaseElection(
            sp.GetRequiredService<MongoLeaderElection>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<ExitOnLostLeaseElection>>()));
        services.AddSingleton<ILeaderElection>(sp => settings.LeaderElection.ExitOnLostLease
            ? sp.GetRequiredService<ExitOnLostLeaseElection>()
            : sp.GetRequiredService<MongoLeaderElection>());
        if (runtime.Kind == WorkloadRuntimeKind.Swarm)
        {
            // No IContainerRuntime on Swarm: nothing may create a plain container beside the swarm's services.
            // The container owns the runtime (and disposes it); the operator gets it measured.
            services.AddSingleton<IWorkloadRuntime>(sp =>
                new MeasuredWorkloadRuntime(sp.GetRequiredService<SwarmWorkloadRuntime>(), sp.GetRequiredService<DockerRequestMetrics>()));
            services.AddSingleton(sp =>
            {
                var logger = sp.GetRequiredService<ILogger<SwarmWorkloadRuntime>>();
                LogChoice(logger, runtime);
                return SwarmWorkloadRuntime.Create(
                    (runtime.Swarm ?? new SwarmRuntimeOptions()) with
                    {
                        StopGracePeriod = settings.DockerStopGrace,
                        Planning = sp.GetRequiredService<PlannerSettings>(),
                    },
                    logger,
                    settings.DockerEndpoint,
                    sp.GetRequiredService<TimeProvider>());
            });
            return services;
        }

        // Probing from the host works on one host only: the operator's host routes to its own engine's container addresses.
        services.AddSingleton<IReplicaProbe, SocketReplicaProbe>();
        services.AddSingleton<IContainerRuntime>(sp =>
            new MeasuredContainerRuntime(sp.GetRequiredService<DockerContainerRuntime>(), sp.GetRequiredService<DockerRequestMetrics>()));
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<DockerContainerRuntime>>();
            LogChoice(logger, runtime);
            return DockerContainerRuntime.Create(
                new DockerRuntimeOptions { StopGracePeriod = settings.DockerStopGrace, OperatorProbes = settings.Probes.Mode == ProbeMode.Operator },
                logger,
                settings.DockerEndpoint,
                sp.GetRequiredService<TimeProvider>());
        });
        return services;
    }

    // Also in the operator's own log (JSON with --log-format json), not only on zpm run's terminal.
    private static void LogChoice(ILogger logger, WorkloadRuntimeChoice runtime) =>
        logger.LogInformation("Workload runtime: {Runtime}", runtime.Describe());
}
