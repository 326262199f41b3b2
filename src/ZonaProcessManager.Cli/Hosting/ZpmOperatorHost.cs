using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZonaProcessManager.Operator;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Cli.Hosting;

/// <summary>
/// The composition root: the operator host with the MongoDB and Docker adapters as its ports. `zpm run` runs it; tests
/// and benchmarks that want the real adapters build it in-process.
/// </summary>
public static class ZpmOperatorHost
{
    /// <summary>Runs the operator against settings' MongoDB and Docker until <paramref name="cancellationToken"/> fires.</summary>
    public static async Task RunAsync(OperatorSettings settings, CancellationToken cancellationToken)
    {
        using var host = CreateBuilder(settings).Build();
        // Resolved before running: RunAsync disposes the host's services when it returns.
        var lostLeaseExit = host.Services.GetRequiredService<ExitOnLostLeaseElection>();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        if (settings.LeaderElection.ExitOnLostLease && lostLeaseExit.ExitedForLostLease)
        {
            throw new InvalidOperationException("the operator lost its leader lease and stopped (--exit-on-lost-lease)");
        }
    }

    /// <summary>
    /// <see cref="OperatorApp.CreateBuilder"/> with the MongoDB/Docker adapters registered. <paramref name="configureServices"/>
    /// runs after them, so a test may replace any registration (a port, the TimeProvider, the logger).
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(OperatorSettings settings, Action<IServiceCollection>? configureServices = null) =>
        OperatorApp.CreateBuilder(settings, services =>
        {
            services.AddZpmOperatorAdapters(settings);
            configureServices?.Invoke(services);
        });
}
