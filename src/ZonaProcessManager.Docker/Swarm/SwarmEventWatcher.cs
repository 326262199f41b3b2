using System.Collections.Concurrent;
using System.Threading.Channels;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// The two sources of a Swarm runtime's events, writing into one channel: the manager's event stream (service, node and
/// its own node's container events) and a periodic task list that reports tasks that changed anywhere in the swarm.
/// Neither throws for an engine failure: both keep trying (the reconciles report an unreachable engine).
/// </summary>
internal sealed class SwarmEventWatcher(SwarmWorkloadRuntime runtime, ChannelWriter<ContainerEvent> events, Channel<bool> pollNow)
{
    private static readonly string[] WatchedActions =
        [.. DockerContainerRuntime.WatchedActions, "create", "update", "remove"];

    // Service ID → owner, from the latest service list; tasks and service events name only the service ID.
    private readonly ConcurrentDictionary<string, ResourceKey> _owners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _serviceNames = new(StringComparer.Ordinal);

    /// <summary>Follows the event stream until cancelled, reconnecting with backoff and resuming from the last event.</summary>
    public async Task FollowEventStreamAsync(CancellationToken cancellationToken)
    {
        var options = runtime.Options;
        var since = runtime.Time.GetUtcNow();
        var backoff = new BackoffSequence(new BackoffPolicy(options.EventReconnectInitialDelay, options.EventReconnectMaxDelay, jitter: 0));
        while (!cancellationToken.IsCancellationRequested)
        {
            var connectedAt = runtime.Time.GetUtcNow();
            var delivered = false;
            string reason;
            try
            {
                var parameters = new ContainerEventsParameters
                {
                    Since = SwarmWorkloadRuntime.DockerTimestamp(since),
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["type"] = new Dictionary<string, bool> { ["service"] = true, ["node"] = true, ["container"] = true },
                        ["event"] = WatchedActions.ToDictionary(a => a, _ => true),
                    },
                };
                await runtime.MonitorEventsAsync(
                    parameters,
                    new SynchronousProgress(message =>
                    {
                        delivered = true;
                        var timeNano = message.TimeNano ?? (message.Time ?? 0) * 1_000_000_000L;
                        if (timeNano > 0)
                        {
                            since = DateTimeOffset.UnixEpoch.AddTicks(timeNano / 100);
                        }

                        Handle(message);
                    }),
                    cancellationToken).ConfigureAwait(false);
                reason = "closed by the engine";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                reason = DockerErrors.Translate("watch events", "swarm", exception, cancellationToken)?.EngineMessage ?? exception.Message;
            }

            if (delivered || runtime.Time.GetUtcNow() - connectedAt > TimeSpan.FromMinutes(1))
            {
                backoff.Reset();
            }

            var delay = backoff.Next();
            runtime.Logger.EventStreamEnded(reason, delay);
            try
            {
                await Task.Delay(delay, runtime.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Lists every task each <see cref="SwarmRuntimeOptions.TaskPollInterval"/> (or at once after a node event) and reports
    /// each task that appeared, went, or changed state, desired state or error since the previous list. The first list
    /// only sets the baseline: what runs then is judged by the operator's startup resync.
    /// </summary>
    public async Task PollTasksAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, TaskSeen>? previous = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var tasks = await runtime.ListTasksAsync(serviceId: null, cancellationToken).ConfigureAwait(false);
                if (tasks.Any(t => t.ServiceID is { } id && !_owners.ContainsKey(id)))
                {
                    await RefreshOwnersAsync(cancellationToken).ConfigureAwait(false);
                }

                var now = runtime.Time.GetUtcNow();
                var current = new Dictionary<string, TaskSeen>(StringComparer.Ordinal);
                foreach (var task in tasks)
                {
                    if (task.ServiceID is { } serviceId && _owners.TryGetValue(serviceId, out var owner))
                    {
                        var name = $"{(_serviceNames.TryGetValue(serviceId, out var service) ? service : serviceId)}.{task.Slot ?? 0}";
                        current[task.ID] = new TaskSeen(owner, name, task.Status?.State, task.DesiredState, task.Status?.Err);
                    }
                }

                if (previous is not null)
                {
                    foreach (var (id, seen) in current)
                    {
                        if (!previous.TryGetValue(id, out var before) || before != seen)
                        {
                            await events.WriteAsync(new ContainerEvent(seen.Owner, id, $"task {SwarmWorkloadMapper.StateWord(seen.State)}", now, seen.Name), cancellationToken)
                                .ConfigureAwait(false);
                        }
                    }

                    foreach (var (id, gone) in previous.Where(p => !current.ContainsKey(p.Key)))
                    {
                        await events.WriteAsync(new ContainerEvent(gone.Owner, id, "task removed", now, gone.Name), cancellationToken).ConfigureAwait(false);
                    }
                }

                previous = current;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ContainerRuntimeException exception)
            {
                runtime.Logger.LogWarning("Listing swarm tasks failed, trying again in {Interval}: {Error}", runtime.Options.TaskPollInterval, exception.Message);
            }

            try
            {
                await WaitForNextPollAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WaitForNextPollAsync(CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var interval = Task.Delay(runtime.Options.TaskPollInterval, runtime.Time, waiting.Token);
        var signal = pollNow.Reader.WaitToReadAsync(waiting.Token).AsTask();
        await Task.WhenAny(interval, signal).ConfigureAwait(false);
        await waiting.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        while (pollNow.Reader.TryRead(out _))
        {
        }
    }

    private async Task RefreshOwnersAsync(CancellationToken cancellationToken)
    {
        var services = await runtime.ListServicesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var service in services)
        {
            if (SwarmWorkloadMapper.OwnerOf(service.Spec?.Labels) is { } owner)
            {
                _owners[service.ID] = owner;
                _serviceNames[service.ID] = service.Spec!.Name ?? service.ID;
            }
        }
    }

    private void Handle(Message message)
    {
        var attributes = message.Actor?.Attributes ?? new Dictionary<string, string>();
        var id = message.Actor?.ID ?? "";
        var time = DateTimeOffset.UnixEpoch.AddTicks((message.TimeNano ?? (message.Time ?? 0) * 1_000_000_000L) / 100);
        switch (message.Type)
        {
            case "container" when SwarmWorkloadMapper.OwnerOf(attributes) is { } owner:
                events.TryWrite(new ContainerEvent(owner, id, message.Action ?? "", time, attributes.TryGetValue("name", out var name) ? name.TrimStart('/') : null));
                break;
            case "service":
                if (_owners.TryGetValue(id, out var serviceOwner))
                {
                    events.TryWrite(new ContainerEvent(serviceOwner, id, $"service {message.Action}", time, attributes.TryGetValue("name", out var serviceName) ? serviceName : null));
                }
                else
                {
                    // A service this watcher has not listed yet (just created): the next task list learns its owner.
                    pollNow.Writer.TryWrite(true);
                }

                if (message.Action == "remove")
                {
                    _owners.TryRemove(id, out _);
                    _serviceNames.TryRemove(id, out _);
                }

                break;
            case "node":
                // A node that went down, was drained or came back moves tasks: list them at once rather than at the next tick.
                pollNow.Writer.TryWrite(true);
                break;
        }
    }

    private sealed record TaskSeen(ResourceKey Owner, string Name, TaskState? State, TaskState? DesiredState, string? Error);

    /// <summary>Handles each event as it arrives, in Docker's order (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<Message> handle) : IProgress<Message>
    {
        public void Report(Message value) => handle(value);
    }
}
