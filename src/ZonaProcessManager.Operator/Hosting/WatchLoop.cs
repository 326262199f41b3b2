using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Messages;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Follows the store's change stream and publishes each change; restarted with backoff whenever it breaks. Leader-only: a
/// standby does not watch.
/// </summary>
public sealed class WatchLoop(IResourceWatcher watcher, IPublisher publisher, ResilientLoop loop, ILogger<WatchLoop> logger)
    : ILeaderOnlyLoop
{
    public Task RunAsync(CancellationToken stoppingToken) =>
        loop.RunAsync("Store watch", WatchAsync, logger, stoppingToken);

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        await foreach (var change in watcher.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            await publisher.Publish(new ResourceChanged(change), cancellationToken).ConfigureAwait(false);
        }
    }
}
