using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Cli.Hosting;

/// <summary>
/// `zpm run --exit-on-lost-lease`: an election that, once a term was lost (not given up at shutdown), stops the host
/// instead of waiting to lead again, so a supervisor restarts a fresh process. <see cref="ExitedForLostLease"/> tells
/// <see cref="ZpmOperatorHost.RunAsync"/> to end with an error saying why.
/// </summary>
public sealed class ExitOnLostLeaseElection(ILeaderElection inner, IHostApplicationLifetime lifetime, ILogger<ExitOnLostLeaseElection> logger) : ILeaderElection
{
    private volatile bool _lost;

    /// <summary>True once a term was lost and the host was asked to stop for it.</summary>
    public bool ExitedForLostLease { get; private set; }

    public async Task<LeadershipTerm> AcquireAsync(CancellationToken cancellationToken)
    {
        if (_lost)
        {
            ExitedForLostLease = true;
            logger.LogCritical("Lost the leader lease; exiting as --exit-on-lost-lease asks instead of standing by");
            lifetime.StopApplication();
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        return await inner.AcquireAsync(cancellationToken).ConfigureAwait(false);
    }

    public bool IsConfirmed(LeadershipTerm term) => inner.IsConfirmed(term);

    public Task ReleaseAsync(LeadershipTerm term, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(term);
        // Read before the inner election ends the term, which fires Lost itself when giving the lease up.
        if (term.Lost.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            _lost = true;
        }

        return inner.ReleaseAsync(term, cancellationToken);
    }
}
