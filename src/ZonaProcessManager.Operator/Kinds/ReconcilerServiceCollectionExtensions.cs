using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ZonaProcessManager.Operator.Controllers;

namespace ZonaProcessManager.Operator.Kinds;

public static class ReconcilerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TReconciler"/> (a singleton) as the one reconciler of <paramref name="kind"/>. Everything
    /// else follows from this line: requests for the kind route to it, the kind gets its own work queue, a resync
    /// enumerates its keys through <paramref name="keySource"/> (none: only changes bring them), the kind's collection is
    /// watched (the composition root maps kinds to collections), and a <paramref name="clusterScoped"/> kind's changes
    /// reach every operator whatever tenants it manages.
    /// </summary>
    /// <exception cref="InvalidOperationException">The kind already has a reconciler.</exception>
    public static IServiceCollection AddReconciler<TReconciler>(
        this IServiceCollection services,
        string kind,
        bool clusterScoped = false,
        Func<IServiceProvider, IResourceKeySource>? keySource = null)
        where TReconciler : class, IReconciler
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(IReconciler) && Equals(d.ServiceKey, kind)))
        {
            throw new InvalidOperationException($"Kind {kind} already has a reconciler; each kind is registered once.");
        }

        services.TryAddSingleton<TReconciler>();
        services.AddKeyedSingleton<IReconciler>(kind, (sp, _) => sp.GetRequiredService<TReconciler>());
        services.AddSingleton(sp => new KindRegistration(kind) { ClusterScoped = clusterScoped, KeySource = keySource?.Invoke(sp) });
        services.TryAddSingleton(sp => new KindRegistry(sp.GetServices<KindRegistration>()));
        services.TryAddSingleton(sp => new ReconcilerRegistry(
            sp.GetRequiredService<KindRegistry>().Kinds.ToDictionary(k => k, k => sp.GetRequiredKeyedService<IReconciler>(k), StringComparer.Ordinal)));
        return services;
    }
}
