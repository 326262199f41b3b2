using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Web.Metrics;

/// <summary>
/// /metrics: every instrument of the operator's meters (core, MongoDB and Docker adapters) and the .NET runtime's and
/// process's, in Prometheus text format, written by OpenTelemetry's Prometheus exporter from the operator's
/// <see cref="MeterProvider"/> (<see cref="OperatorMetricsRegistration"/>).
/// </summary>
public sealed class MetricsEndpoint(MeterProvider meterProvider) : IHttpEndpointModule
{
    public const string Path = "/metrics";

    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Path, meterProvider, configureBranchedPipeline: null, optionsName: null);
}
