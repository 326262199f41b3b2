using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Workloads;

namespace ZonaProcessManager.Operator;

/// <summary>
/// The operator as a Generic Host, without adapters: the caller supplies the ports. `zpm run` supplies MongoDB and Docker
/// (ZonaProcessManager.Cli's Hosting/ZpmOperatorHost); in-process tests supply fakes or the real adapters.
/// </summary>
public static class OperatorApp
{
    /// <summary>
    /// The ports the operator core needs; a host built without any of them fails at Build. <see cref="IContainerRuntime"/>
    /// is what the default workload runtime (<see cref="SingleHostWorkloadRuntime"/>) runs on: a host that registers its
    /// own <see cref="IWorkloadRuntime"/> needs none.
    /// </summary>
    public static IReadOnlyList<Type> RequiredPorts { get; } =
    [
        typeof(IServiceStore),
        typeof(IIntegrationStore),
        typeof(IResourceWatcher),
        typeof(IContainerRuntime),
        typeof(IHostPortProbe),
        typeof(IEventRecorder),
    ];

    /// <summary>
    /// A host builder with the operator core registered. <paramref name="registerPorts"/> runs last: it registers every
    /// port in <see cref="RequiredPorts"/> and may replace any other registration (the TimeProvider, the logger). An
    /// <see cref="IWorkloadRuntime"/> it registers replaces the single-host one, an <see cref="ILeaderElection"/> the
    /// single-instance one (which leads at once and never loses). Whichever workload runtime runs is wrapped in
    /// <see cref="FencedWorkloadRuntime"/>: it acts only under a confirmed leadership term.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(OperatorSettings settings, Action<IServiceCollection> registerPorts)
    {
        ArgumentNullException.ThrowIfNull(registerPorts);
        settings.Validate();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = settings.ShutdownTimeout);
        builder.Services.AddSerilog(OperatorLogging.CreateLogger(settings), dispose: true);
        builder.Services.AddZpmOperatorCore(settings);
        registerPorts(builder.Services);
        // Checked at Build, not here, so registrations added to builder.Services after this call still count. Without
        // the check a missing port would surface only when the first loop or reconcile resolves it, as a bare DI error
        // inside a ResilientLoop that retries forever.
        builder.ConfigureContainer(new RequiredPortsServiceProviderFactory());
        return builder;
    }

    private sealed class RequiredPortsServiceProviderFactory : IServiceProviderFactory<IServiceCollection>
    {
        // What the empty builder (DisableDefaults) uses when no factory is configured: no scope or on-build validation.
        private readonly DefaultServiceProviderFactory _inner = new();

        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            var ownWorkloadRuntime = Registered(services, typeof(IWorkloadRuntime));
            var missing = RequiredPorts
                .Where(port => !Registered(services, port) && !(port == typeof(IContainerRuntime) && ownWorkloadRuntime))
                .Select(port => port.Name)
                .ToList();
            if (missing.Count > 0)
            {
                throw new InvalidOperationException(
                    $"The operator host has no {string.Join(", ", missing)} registered. The callback given to OperatorApp.CreateBuilder must register "
                    + $"every port ({string.Join(", ", RequiredPorts.Select(p => p.Name))}; an {nameof(IWorkloadRuntime)} instead of the {nameof(IContainerRuntime)}); "
                    + "ZpmOperatorHost (ZonaProcessManager.Cli) registers the MongoDB and Docker adapters.");
            }

            if (!ownWorkloadRuntime)
            {
                services.AddSingleHostWorkloadRuntime();
            }

            services.AddLeadershipFence();

            return _inner.CreateBuilder(services);
        }

        private static bool Registered(IServiceCollection services, Type port) => services.Any(d => d.ServiceType == port);

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => _inner.CreateServiceProvider(containerBuilder);
    }
}
