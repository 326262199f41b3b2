using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>Registers the dashboard as one of the HTTP host's modules, reading the operator's database and settings.</summary>
public static class DashboardServiceCollectionExtensions
{
    /// <summary>Needs <see cref="IMongoDatabase"/> and <see cref="OperatorSettings"/> registered (the operator's composition root does both).</summary>
    public static IServiceCollection AddZpmDashboard(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new DashboardReadModel(sp.GetRequiredService<IMongoDatabase>(), sp.GetRequiredService<OperatorSettings>().DockerEndpoint));
        services.TryAddSingleton(sp => new DashboardFeed(sp.GetRequiredService<IMongoDatabase>(), sp.GetService<ILogger<DashboardFeed>>()));
        services.TryAddSingleton(sp => new DashboardActions(sp.GetRequiredService<DashboardReadModel>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<OperatorSettings>().Dashboard);
        services.AddHttpEndpointModule<DashboardEndpointModule>();
        return services;
    }
}
