using Microsoft.Extensions.DependencyInjection;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator;

public static class OperatorAdapterRegistration
{
    /// <summary>Registers the production ports: the MongoDB store and watcher, and the Docker runtime.</summary>
    public static IServiceCollection AddZpmOperatorAdapters(this IServiceCollection services, OperatorSettings settings)
    {
        // Wired once the mongo-adapter and docker branches are merged.
        _ = settings;
        return services;
    }
}
