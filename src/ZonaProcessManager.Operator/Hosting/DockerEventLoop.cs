using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Messages;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Follows the workload runtime's event stream (Docker's, for owned containers) and publishes each event; restarted with
/// backoff. Leader-only: a standby does not act on events.
/// </summary>
public sealed class DockerEventLoop(
    IWorkloadRuntime workloads, IPublisher publisher, OperatorHealth health, ResilientLoop loop, ILogger<DockerEventLoop> logger)
    : ILeaderOnlyLoop
{
    public Task RunAsync(CancellationToken stoppingToken) =>
        loop.RunAsync("Docker events", WatchAsync, logger, stoppingToken);

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var containerEvent in workloads.WatchEventsAsync(cancellationToken).ConfigureAwait(false))
            {
                await publisher.Publish(new ContainerEventObserved(containerEvent), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ContainerRuntimeException exception) when (exception.Kind == ContainerRuntimeErrorKind.Unavailable)
        {
            // Often the first sign that dockerd went away while every service was settled and nothing else called it.
            health.RuntimeUnreachable(exception.Message);
            throw;
        }
    }
}
