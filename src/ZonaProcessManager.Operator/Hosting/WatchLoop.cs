using Mediator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Messages;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>Follows the store's change stream and publishes each change; restarted with backoff whenever it breaks.</summary>
public sealed class WatchLoop(IResourceWatcher watcher, IPublisher publisher, ResilientLoop loop, ILogger<WatchLoop> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        loop.RunAsync("Store watch", WatchAsync, logger, stoppingToken);

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        await foreach (var change in watcher.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            await publisher.Publish(new ResourceChanged(change), cancellationToken).ConfigureAwait(false);
        }
    }
}
