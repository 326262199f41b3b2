using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Metrics;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// The one place that decides whether this instance reconciles: it waits for leadership (<see cref="ILeaderElection"/>),
/// runs every <see cref="ILeaderOnlyLoop"/> (queue workers, store watch, runtime events, resync) with a token that fires
/// when the term is lost or the host stops, and when the term is lost cancels them (in-flight reconciles included),
/// waits for them to return and goes back to waiting. Each term starts the loops afresh, so each begins with the
/// start-up resync: nothing was watched while another instance led.
/// </summary>
public sealed class LeaderGate(
    ILeaderElection election,
    LeadershipContext leadership,
    OperatorLiveness liveness,
    OperatorMetrics metrics,
    IEnumerable<ILeaderOnlyLoop> loops,
    OperatorSettings settings,
    TimeProvider time,
    ILogger<LeaderGate> logger) : BackgroundService
{
    // How long giving the leadership up may take: shutdown must not hang on the store.
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);

    // In registration order, the queue workers first: their queues must be open before the term's resync enqueues.
    private readonly ILeaderOnlyLoop[] _loops = [.. loops];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        liveness.GateStarted();
        metrics.Leadership(false);
        string? failure = null;
        try
        {
            await ElectAndLeadAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            failure = exception.Message;
            throw;
        }
        finally
        {
            liveness.GateEnded(failure);
        }
    }

    private async Task ElectAndLeadAsync(CancellationToken stoppingToken)
    {
        var backoff = new BackoffSequence(new BackoffPolicy(settings.LoopRetryInitial, settings.LoopRetryMax, 0.1), Random.Shared.NextDouble);
        while (!stoppingToken.IsCancellationRequested)
        {
            LeadershipTerm term;
            try
            {
                term = await election.AcquireAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // An election that throws is retried: only shutdown ends the wait for leadership.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                var delay = backoff.Next();
                logger.LeaderElectionFailed(exception, exception.Message, delay);
                try
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            backoff.Reset();
            await LeadAsync(term, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task LeadAsync(LeadershipTerm term, CancellationToken stoppingToken)
    {
        using var termEnd = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term.Lost);
        logger.Leading(term.Holder, term.Generation);
        leadership.Begin(term);
        liveness.TermBegan(term.Generation, _loops.Select(NameOf));
        metrics.Leadership(true);
        try
        {
            var running = _loops.Select(loop => RunLoopAsync(loop, termEnd)).ToList();
            await Task.WhenAll(running).ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (!term.Lost.IsCancellationRequested)
            {
                // Going back to the election here would start the loops again at once, forever.
                throw new InvalidOperationException("Every leader-only loop ended while this instance still leads; they run until their term ends.");
            }

            logger.LeadershipLost(term.Generation);
        }
        finally
        {
            liveness.TermEnded();
            metrics.Leadership(false);
            leadership.End();
            await ReleaseAsync(term).ConfigureAwait(false);
        }
    }

    private static string NameOf(ILeaderOnlyLoop loop) => loop.GetType().Name;

    private async Task RunLoopAsync(ILeaderOnlyLoop loop, CancellationTokenSource termEnd)
    {
        try
        {
            await loop.RunAsync(termEnd.Token).ConfigureAwait(false);
            if (!termEnd.IsCancellationRequested)
            {
                liveness.LoopEnded(NameOf(loop), "returned while its term lasts");
            }
        }
        catch (OperationCanceledException) when (termEnd.IsCancellationRequested)
        {
            // The term ended: the loop stopped as asked.
        }
        catch (Exception exception) when (!termEnd.IsCancellationRequested)
        {
            liveness.LoopEnded(NameOf(loop), exception.Message);
            // The loops retry their own failures, so this is a bug: stop the term's other loops too and let the host
            // see the exception, as it would see any background service's.
            await termEnd.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReleaseAsync(LeadershipTerm term)
    {
        using var timeout = new CancellationTokenSource(ReleaseTimeout, time);
        try
        {
            await election.ReleaseAsync(term, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: an unreleased leadership lapses on its own.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            logger.LeadershipNotReleased(term.Generation, exception.Message);
        }
    }
}
