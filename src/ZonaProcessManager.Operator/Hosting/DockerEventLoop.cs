using Mediator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Messages;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>Follows Docker's event stream for owned containers and publishes each event; restarted with backoff.</summary>
public sealed class DockerEventLoop(IContainerRuntime runtime, IPublisher publisher, ResilientLoop loop, ILogger<DockerEventLoop> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        loop.RunAsync("Docker events", WatchAsync, logger, stoppingToken);

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        await foreach (var containerEvent in runtime.WatchEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            await publisher.Publish(new ContainerEventObserved(containerEvent), cancellationToken).ConfigureAwait(false);
        }
    }
}
