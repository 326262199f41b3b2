using Microsoft.Extensions.Logging;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Once at the start of every leadership term (containers may have changed while the operator was down or another
/// instance led, and a resumed change stream says nothing about Docker), then every ResyncInterval, runs a
/// <see cref="Resync"/> pass: a safety net for events missed while disconnected, and what notices a container changed
/// behind the operator's back without an event.
/// </summary>
public sealed class ResyncLoop(
    OperatorSettings settings,
    Resync resync,
    OperatorHealth health,
    ResilientLoop loop,
    TimeProvider time,
    ILogger<ResyncLoop> logger) : ILeaderOnlyLoop
{
    public Task RunAsync(CancellationToken stoppingToken) => Task.WhenAll(
        loop.RunAsync("Periodic resync", ResyncForeverAsync, logger, stoppingToken),
        loop.RunAsync("Container engine probe", ProbeWhileUnreachableAsync, logger, stoppingToken));

    /// <summary>
    /// While the engine is known to be unreachable, a resync every RuntimeProbeInterval: its one Docker list is the
    /// probe, the first pass of an outage tells every service, and the first pass that gets an answer puts every
    /// service's status right again instead of leaving that to each one's backoff (up to BackoffMax).
    /// </summary>
    private async Task ProbeWhileUnreachableAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.RuntimeProbeInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            if (health.Snapshot().Runtime.Reachable == false)
            {
                await resync.RunOnceAsync("Container engine probe", cancellationToken).ConfigureAwait(false);
            }
        }
    }

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
