using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Lifecycle;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Operator.Metrics;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// How every reconciler publishes what it found: the status is written only when a reader would see a difference (a
/// rewrite that only bumps a time is churn), then one event is recorded per transition. The phase each resource was
/// last given, and which resources are gone, feed the zpm_resources gauge.
/// </summary>
public sealed class StatusPublisher(BestEffortEventRecorder events, OperatorMetrics? metrics = null)
{
    /// <summary><paramref name="key"/> now has <paramref name="phase"/> (written now or already stored).</summary>
    public void PhaseIs(ResourceKey key, ResourcePhase phase) => metrics?.PhaseWritten(key, phase);

    /// <summary><paramref name="key"/>'s document is gone.</summary>
    public void Gone(ResourceKey key) => metrics?.ResourceGone(key);

    /// <summary>
    /// A ServiceSpec's status and the lifecycle transitions that led to it; each transition is logged and recorded with
    /// the status's time. Returns whether status was written.
    /// </summary>
    /// <param name="logger">The reconciler's own, so transition lines keep its category.</param>
    public async Task<bool> PublishAsync(
        ResourceKey key,
        ServiceStatus previous,
        ServiceStatus next,
        IReadOnlyList<Transition> transitions,
        Func<ServiceStatus, CancellationToken, Task> write,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var written = await WriteIfChangedAsync(previous, next, StatusComparer.SameContent, write, cancellationToken).ConfigureAwait(false);
        PhaseIs(key, next.Phase);
        foreach (var transition in transitions)
        {
            logger.LogInformation("{Resource} {From} -> {To} ({Trigger}): {Reason}: {Message}",
                key, transition.From, transition.To, transition.Trigger, transition.Reason, transition.Message);
            await events.RecordAsync(transition.ToEvent(key, next.UpdatedAt), cancellationToken).ConfigureAwait(false);
        }

        return written;
    }

    /// <summary>
    /// Any status: written when there is none yet or <paramref name="sameContent"/> says it differs, then
    /// <paramref name="transitionEvents"/> are recorded. Returns whether status was written.
    /// </summary>
    public async Task<bool> PublishAsync<TStatus>(
        TStatus? previous,
        TStatus next,
        Func<TStatus, TStatus, bool> sameContent,
        Func<TStatus, CancellationToken, Task> write,
        IReadOnlyList<ResourceEvent> transitionEvents,
        CancellationToken cancellationToken)
        where TStatus : class
    {
        var written = await WriteIfChangedAsync(previous, next, sameContent, write, cancellationToken).ConfigureAwait(false);
        foreach (var transitionEvent in transitionEvents)
        {
            await events.RecordAsync(transitionEvent, cancellationToken).ConfigureAwait(false);
        }

        return written;
    }

    private static async Task<bool> WriteIfChangedAsync<TStatus>(
        TStatus? previous, TStatus next, Func<TStatus, TStatus, bool> sameContent, Func<TStatus, CancellationToken, Task> write, CancellationToken cancellationToken)
        where TStatus : class
    {
        if (previous is not null && sameContent(previous, next))
        {
            return false;
        }

        await write(next, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
