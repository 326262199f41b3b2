using System.Diagnostics;
using System.Diagnostics.Metrics;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Docker;

/// <summary>
/// The Docker adapter's instruments, on one <see cref="Meter"/> (<see cref="MeterName"/>) from the host's
/// <see cref="IMeterFactory"/>: each runtime operation the operator asks of the engine (list, inspect, create, remove…,
/// one or a few Engine API calls each), counted by operation and result and timed. <see cref="MeasuredContainerRuntime"/>
/// and <see cref="Swarm.MeasuredWorkloadRuntime"/> report here.
/// </summary>
public sealed class DockerRequestMetrics
{
    public const string MeterName = "ZonaProcessManager.Docker";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public DockerRequestMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>(
            "zpm_docker_requests_total", description: "Operations asked of the container engine, by operation and result (success, error, unavailable, canceled).");
        _duration = meter.CreateHistogram(
            "zpm_docker_request_duration_seconds",
            "s",
            "How long each operation asked of the container engine took, by operation.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
    }

    public async Task<T> MeasureAsync<T>(string operation, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call().ConfigureAwait(false);
            Record(operation, "success", started);
            return result;
        }
        catch (Exception exception)
        {
            Record(operation, ResultOf(exception), started);
            throw;
        }
    }

    public Task MeasureAsync(string operation, Func<Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return MeasureAsync(operation, async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        });
    }

    private static string ResultOf(Exception exception) => exception switch
    {
        OperationCanceledException => "canceled",
        ContainerRuntimeException { Kind: ContainerRuntimeErrorKind.Unavailable } => "unavailable",
        _ => "error",
    };

    private void Record(string operation, string result, long started)
    {
        var operationTag = new KeyValuePair<string, object?>("operation", operation);
        _requests.Add(1, operationTag, new KeyValuePair<string, object?>("result", result));
        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, operationTag);
    }
}
