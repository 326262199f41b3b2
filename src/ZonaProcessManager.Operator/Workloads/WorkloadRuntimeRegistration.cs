using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Probing;

namespace ZonaProcessManager.Operator.Workloads;

public static class WorkloadRuntimeRegistration
{
    /// <summary>
    /// Registers <see cref="SingleHostWorkloadRuntime"/> as the <see cref="IWorkloadRuntime"/>, over the registered
    /// <see cref="IContainerRuntime"/>. <see cref="OperatorApp"/> does this at Build unless the host registered its own
    /// workload runtime.
    /// </summary>
    /// <remarks>
    /// With an <see cref="IReplicaProbe"/> registered, the operator also probes containers labelled zpm.probe itself
    /// (<see cref="ReplicaProber"/>, leader-only) and the runtime reports their health from those probes
    /// (<see cref="ProbedContainerRuntime"/>); without one such containers report no health. Every engine call that
    /// changes something is fenced by the leadership term on its own (<see cref="FencedContainerRuntime"/>).
    /// </remarks>
    public static IServiceCollection AddSingleHostWorkloadRuntime(this IServiceCollection services)
    {
        var probing = services.Any(d => d.ServiceType == typeof(IReplicaProbe));
        if (probing)
        {
            services.TryAddSingleton<ProbeRegistry>();
            services.AddSingleton<ILeaderOnlyLoop, ReplicaProber>();
        }

        services.AddSingleton<IWorkloadRuntime>(sp => new SingleHostWorkloadRuntime(
            new FencedContainerRuntime(
                probing
                    ? new ProbedContainerRuntime(sp.GetRequiredService<IContainerRuntime>(), sp.GetRequiredService<ProbeRegistry>())
                    : sp.GetRequiredService<IContainerRuntime>(),
                sp.GetRequiredService<ILeadershipContext>()),
            sp.GetRequiredService<ReconcilePlanner>(),
            sp.GetRequiredService<ExpectedContainerStarts>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SingleHostWorkloadRuntime>>()));
        return services;
    }

    /// <summary>
    /// Puts <see cref="FencedWorkloadRuntime"/> around the <see cref="IWorkloadRuntime"/> registered last (the
    /// single-host one or a host's own), so no backend acts on the runtime without a confirmed leadership term.
    /// <see cref="OperatorApp"/> does this at Build. The wrapped registration stays in the container under a key of its
    /// own, keeping its lifetime, and the container still disposes what it creates.
    /// </summary>
    public static IServiceCollection AddLeadershipFence(this IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IWorkloadRuntime) && !d.IsKeyedService)
            ?? throw new InvalidOperationException($"No {nameof(IWorkloadRuntime)} is registered to fence.");
        services.RemoveAll<IWorkloadRuntime>();
        services.Add(registered switch
        {
            { ImplementationInstance: { } instance } => new ServiceDescriptor(typeof(IWorkloadRuntime), FencedRuntimeKey, instance),
            { ImplementationFactory: { } factory } => new ServiceDescriptor(typeof(IWorkloadRuntime), FencedRuntimeKey, (sp, _) => factory(sp), registered.Lifetime),
            _ => new ServiceDescriptor(typeof(IWorkloadRuntime), FencedRuntimeKey, registered.ImplementationType!, registered.Lifetime),
        });
        services.Add(new ServiceDescriptor(
            typeof(IWorkloadRuntime),
            sp => new FencedWorkloadRuntime(sp.GetRequiredKeyedService<IWorkloadRuntime>(FencedRuntimeKey), sp.GetRequiredService<ILeadershipContext>()),
            registered.Lifetime));
        return services;
    }

    /// <summary>The key the runtime behind the fence is registered under.</summary>
    private const string FencedRuntimeKey = "zpm.fenced-workload-runtime";
}
