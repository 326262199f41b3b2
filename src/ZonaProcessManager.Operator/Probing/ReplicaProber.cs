using System.Collections.Concurrent;
using System.Globalization;
using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Probing;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Probing;

/// <summary>
/// Runs the probes <see cref="ProbeRegistry"/> says are due, at most <see cref="ProbeSettings.MaxConcurrentProbes"/>
/// at once, each bounded by its timeout (no answer in time is a failure). A probe that changes a replica's health is
/// published as a health_status <see cref="ContainerEventObserved"/>, the path Docker's own health_status event takes,
/// so the owner reconciles and its status shows the verdict. Leader-only: a standby neither reconciles nor probes.
/// </summary>
public sealed class ReplicaProber(
    ProbeRegistry registry,
    IReplicaProbe probe,
    IPublisher publisher,
    OperatorSettings settings,
    TimeProvider time,
    ResilientLoop loop,
    ILogger<ReplicaProber> logger)
    : ILeaderOnlyLoop
{
    /// <summary>How often due probes are looked for: the most a probe starts late.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    public Task RunAsync(CancellationToken cancellationToken) =>
        loop.RunAsync("Replica probes", ProbeAsync, logger, cancellationToken);

    private async Task ProbeAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(settings.Probes.MaxConcurrentProbes);
        var inFlight = new ConcurrentDictionary<Task, bool>();
        var warnedOfNeighbourTable = false;
        try
        {
            while (true)
            {
                // With nothing to follow the loop sleeps, timer and all, until a replica is followed: a tick that finds
                // nothing due still wakes the process five times a second.
                await registry.UntilFollowingAsync(stoppingToken).ConfigureAwait(false);
                using var timer = new PeriodicTimer(Tick, time);
                while (registry.Count > 0 && await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                {
                    warnedOfNeighbourTable = WarnWhenPastNeighbourTable(warnedOfNeighbourTable);
                    foreach (var target in registry.TakeDue(time.GetUtcNow()))
                    {
                        var probing = ProbeOneAsync(target, slots, stoppingToken);
                        inFlight[probing] = true;
                        _ = probing.ContinueWith(done => inFlight.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }
                }
            }
        }
        finally
        {
            // The semaphore is disposed on the way out: no probe of this run may still be waiting on it.
            await Task.WhenAll(inFlight.Keys).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Warns once each time the replicas probed from the host outgrow the neighbour entries it keeps (a probe to a
    /// replica whose entry was dropped goes unanswered, which looks like an unhealthy replica); true while past it.
    /// </summary>
    private bool WarnWhenPastNeighbourTable(bool warned)
    {
        if (settings.Probes.HostNeighbourEntries is not { } entries)
        {
            return false;
        }

        var probed = registry.Count;
        if (probed <= entries)
        {
            return false;
        }

        if (!warned)
        {
            logger.LogWarning(
                "{Probed} replicas are probed from this host, more than the {Entries} neighbour (ARP) entries it keeps (net.ipv4.neigh.default.gc_thresh2): "
                + "probes to the others may go unanswered and their services turn Degraded. Raise net.ipv4.neigh.default.gc_thresh1/2/3 "
                + "(scripts/ensure-neighbour-table.sh) or run with --probe-mode docker",
                probed,
                entries);
        }

        return true;
    }

    private async Task ProbeOneAsync(ProbeTarget target, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            var startedAt = time.GetUtcNow();
            var result = await RunProbeAsync(target, stoppingToken).ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (registry.Record(target, result, startedAt, time.GetUtcNow()) is { } change)
            {
                await PublishAsync(change, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<ProbeResult> RunProbeAsync(ProbeTarget target, CancellationToken stoppingToken)
    {
        if (target.Address is null)
        {
            return ProbeResult.Failed("the container has no address on any network");
        }

        using var timeout = new CancellationTokenSource(target.Probe.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            return await probe.ProbeAsync(target.Address, target.Probe, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return ProbeResult.Failed($"no answer within {target.Probe.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s");
        }
#pragma warning disable CA1031 // A broken probe port is one replica's failed probe, never the end of probing for every other.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            logger.LogWarning(exception, "Probe of {Container} failed unexpectedly", target.ContainerName);
            return ProbeResult.Failed("the probe failed: " + exception.GetType().Name);
        }
    }

    private async Task PublishAsync(HealthChange change, CancellationToken stoppingToken)
    {
        var target = change.Target;
        if (change.After == ContainerHealth.Unhealthy)
        {
            logger.LogInformation("{Container} is unhealthy: {Probe} failed: {Failure}", target.ContainerName, target.Probe.Describe(), change.Failure);
        }
        else
        {
            logger.LogDebug("{Container} is {Health}", target.ContainerName, change.After);
        }

        var observed = new ContainerEvent(target.Owner, target.ContainerId, "health_status", time.GetUtcNow(), target.ContainerName);
        await publisher.Publish(new ContainerEventObserved(observed), stoppingToken).ConfigureAwait(false);
    }
}
