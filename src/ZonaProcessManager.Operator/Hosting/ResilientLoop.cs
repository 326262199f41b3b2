using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Runs a long-lived loop body forever: when it throws or ends, logs why and starts it again after a growing delay
/// (LoopRetryInitial doubling to LoopRetryMax, reset once the body has run well for a while). Only cancellation stops it,
/// so a broken watch never silently ends the operator's view of the world.
/// </summary>
public sealed class ResilientLoop(OperatorSettings settings, TimeProvider time)
{
    private static readonly TimeSpan HealthyRunResetsBackoff = TimeSpan.FromMinutes(2);

    public async Task RunAsync(string name, Func<CancellationToken, Task> body, ILogger logger, CancellationToken stoppingToken)
    {
        var random = new Random();
        var backoff = new BackoffSequence(new BackoffPolicy(settings.LoopRetryInitial, settings.LoopRetryMax, 0.1), random.NextDouble);
        while (!stoppingToken.IsCancellationRequested)
        {
            var startedAt = time.GetUtcNow();
            try
            {
                await body(stoppingToken).ConfigureAwait(false);
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                logger.LogWarning("{Loop} ended unexpectedly; restarting it", name);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The whole point: nothing may kill the loop except shutdown.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                logger.LogError(exception, "{Loop} failed: {Error}", name, exception.Message);
            }

            if (time.GetUtcNow() - startedAt > HealthyRunResetsBackoff)
            {
                backoff.Reset();
            }

            var delay = backoff.Next();
            logger.LogInformation("{Loop} restarts in {Delay}", name, delay);
            try
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
