using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Web.Metrics;

public static class OperatorMetricsRegistration
{
    /// <summary>Every meter of ours starts with this: the operator core's, the MongoDB adapter's, the Docker adapter's.</summary>
    public const string MeterNames = "ZonaProcessManager.*";

    /// <summary>
    /// Collects the operator's meters (<see cref="MeterNames"/>), the .NET runtime's and the process's with the
    /// OpenTelemetry SDK and serves them on /metrics. Without a scrape nothing is exported; each scrape collects afresh
    /// (no cached response), so what it shows is what holds at that moment.
    /// </summary>
    public static IServiceCollection AddOperatorMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(MeterNames)
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation()
            .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return services.AddHttpEndpointModule<MetricsEndpoint>();
    }
}
