using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator;

/// <summary>The operator as a Generic Host: what `zpm run` starts, and what integration tests start in-process.</summary>
public static class OperatorApp
{
    /// <summary>Runs the operator against settings' MongoDB and Docker until <paramref name="cancellationToken"/> fires.</summary>
    public static async Task RunAsync(OperatorSettings settings, CancellationToken cancellationToken)
    {
        using var host = CreateBuilder(settings).Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A host builder with the operator core and the MongoDB/Docker adapters registered. <paramref name="configureServices"/>
    /// runs last, so a test may replace any registration (a port, the TimeProvider, the logger).
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(OperatorSettings settings, Action<IServiceCollection>? configureServices = null)
    {
        settings.Validate();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = settings.ShutdownTimeout);
        builder.Services.AddSerilog(OperatorLogging.CreateLogger(settings), dispose: true);
        builder.Services.AddZpmOperatorCore(settings);
        builder.Services.AddZpmOperatorAdapters(settings);
        configureServices?.Invoke(builder.Services);
        return builder;
    }
}
