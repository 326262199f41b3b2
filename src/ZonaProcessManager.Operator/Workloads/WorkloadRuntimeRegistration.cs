using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;

namespace ZonaProcessManager.Operator.Workloads;

public static class WorkloadRuntimeRegistration
{
    /// <summary>
    /// Registers <see cref="SingleHostWorkloadRuntime"/> as the <see cref="IWorkloadRuntime"/>, over the registered
    /// <see cref="IContainerRuntime"/>. <see cref="OperatorApp"/> does this at Build unless the host registered its own
    /// workload runtime.
    /// </summary>
    public static IServiceCollection AddSingleHostWorkloadRuntime(this IServiceCollection services)
    {
        services.AddSingleton<IWorkloadRuntime>(sp => new SingleHostWorkloadRuntime(
            sp.GetRequiredService<IContainerRuntime>(),
            sp.GetRequiredService<ReconcilePlanner>(),
            sp.GetRequiredService<ExpectedContainerStarts>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SingleHostWorkloadRuntime>>()));
        return services;
    }
}
