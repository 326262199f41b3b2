using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator;

/// <summary>
/// The operator as a Generic Host, without adapters: the caller supplies the ports. `zpm run` supplies MongoDB and Docker
/// (ZonaProcessManager.Cli's Hosting/ZpmOperatorHost); in-process tests supply fakes or the real adapters.
/// </summary>
public static class OperatorApp
{
    /// <summary>
    /// A host builder with the operator core registered. <paramref name="registerPorts"/> runs last: it registers every
    /// port (stores, watcher, container runtime, host-port probe) and may replace any other registration (the TimeProvider, the logger).
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
        return builder;
    }
}
