using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Web.Health;
using ZonaProcessManager.Web.Metrics;

namespace ZonaProcessManager.Web.Hosting;

public static class OperatorHttpServiceCollectionExtensions
{
    /// <summary>
    /// Serves the operator's HTTP endpoints as <paramref name="settings"/> say (nothing when they are off), with the
    /// health probes (/healthz, /readyz) and the metrics (/metrics) among them. Other parts register with <see cref="AddHttpEndpointModule{TModule}"/>,
    /// before or after this call.
    /// </summary>
    /// <exception cref="ArgumentException">The address is not loopback and remote access was not allowed.</exception>
    public static IServiceCollection AddOperatorHttp(this IServiceCollection services, HttpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Problem() is { } problem)
        {
            throw new ArgumentException($"Refusing to serve HTTP: {problem}.", nameof(settings));
        }

        services.AddHttpEndpointModule<HealthEndpoints>();
        if (!settings.Enabled)
        {
            return services;
        }

        // Only when served: without HTTP nothing would ever read what the SDK collects.
        services.AddOperatorMetrics();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<OperatorHttpServer>(sp, settings));
        services.AddHostedService(sp => sp.GetRequiredService<OperatorHttpServer>());
        return services;
    }

    /// <summary>Adds <typeparamref name="TModule"/> to what the HTTP host maps (once, however often it is called).</summary>
    public static IServiceCollection AddHttpEndpointModule<TModule>(this IServiceCollection services)
        where TModule : class, IHttpEndpointModule
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpEndpointModule, TModule>());
        return services;
    }
}
