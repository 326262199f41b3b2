using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZonaProcessManager.Operator;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Web.Dashboard;
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Cli.Hosting;

/// <summary>
/// The composition root: the operator host with the MongoDB and Docker adapters as its ports. `zpm run` runs it; tests
/// and benchmarks that want the real adapters build it in-process.
/// </summary>
public static class ZpmOperatorHost
{
    /// <summary>Runs the operator against settings' MongoDB and Docker until <paramref name="cancellationToken"/> fires.</summary>
    public static Task RunAsync(OperatorSettings settings, CancellationToken cancellationToken) =>
        RunAsync(settings, WorkloadRuntimeChoice.SingleHost, cancellationToken);

    /// <summary>Runs the operator with the workload runtime <paramref name="runtime"/> names.</summary>
    public static async Task RunAsync(OperatorSettings settings, WorkloadRuntimeChoice runtime, CancellationToken cancellationToken)
    {
        using var host = CreateBuilder(settings, runtime).Build();
        // Resolved before running: RunAsync disposes the host's services when it returns.
        var lostLeaseExit = host.Services.GetRequiredService<ExitOnLostLeaseElection>();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        if (settings.LeaderElection.ExitOnLostLease && lostLeaseExit.ExitedForLostLease)
        {
            throw new InvalidOperationException("the operator lost its leader lease and stopped (--exit-on-lost-lease)");
        }
    }

    /// <summary>
    /// <see cref="OperatorApp.CreateBuilder"/> with the MongoDB/Docker adapters and the HTTP endpoints (when
    /// <see cref="OperatorSettings.Http"/> enables them) registered. <paramref name="configureServices"/>
    /// runs after them, so a test may replace any registration (a port, the TimeProvider, the logger).
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(OperatorSettings settings, Action<IServiceCollection>? configureServices = null) =>
        CreateBuilder(settings, WorkloadRuntimeChoice.SingleHost, configureServices);

    /// <summary><see cref="CreateBuilder(OperatorSettings, Action{IServiceCollection}?)"/> with the workload runtime <paramref name="runtime"/> names.</summary>
    public static HostApplicationBuilder CreateBuilder(
        OperatorSettings settings, WorkloadRuntimeChoice runtime, Action<IServiceCollection>? configureServices = null) =>
        OperatorApp.CreateBuilder(settings, services =>
        {
            services.AddZpmOperatorAdapters(settings, runtime);
            // Off unless settings ask (zpm run does by default), so in-process hosts never fight over a port.
            services.AddOperatorHttp(settings.Http);
            services.AddZpmDashboard();
            configureServices?.Invoke(services);
        });
}
