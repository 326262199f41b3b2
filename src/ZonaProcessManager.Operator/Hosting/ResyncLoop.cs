using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Once at start (containers may have changed while the operator was down, and a resumed change stream says nothing
/// about Docker), then every ResyncInterval, runs a <see cref="Resync"/> pass: a safety net for events missed while
/// disconnected, and what notices a container changed behind the operator's back without an event.
/// </summary>
public sealed class ResyncLoop(
    OperatorSettings settings,
    Resync resync,
    ResilientLoop loop,
    TimeProvider time,
    ILogger<ResyncLoop> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        loop.RunAsync("Periodic resync", ResyncForeverAsync, logger, stoppingToken);

    private async Task ResyncForeverAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.ResyncInterval, time);
        do
        {
            await resync.RunOnceAsync("Resync", cancellationToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }
}
