using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using static ZonaProcessManager.Docker.Tests.DockerTestSpecs;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>The Docker event stream tells the operator which owner to reconcile.</summary>
public sealed class ContainerEventTests(DockerTestEnvironment environment) : IClassFixture<DockerTestEnvironment>
{
    private DockerContainerRuntime Runtime => environment.Runtime;

    /// <summary>Collects events of one owner in the background until the test ends.</summary>
    private sealed class EventRecorder : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<ContainerEvent> _events = [];
        private readonly Task _reader;

        public EventRecorder(IContainerRuntime runtime, ResourceKey owner)
        {
            var stream = runtime.WatchEventsAsync(_stop.Token).GetAsyncEnumerator(_stop.Token);
            // The first MoveNextAsync runs the watcher up to its first wait, which fixes its start time now.
            var first = stream.MoveNextAsync();
            _reader = Task.Run(async () =>
            {
                try
                {
                    for (var next = first; await next; next = stream.MoveNextAsync())
                    {
                        if (stream.Current.Owner == owner)
                        {
                            lock (_events)
                            {
                                _events.Add(stream.Current);
                            }
                        }
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                }
                finally
                {
                    await stream.DisposeAsync();
                }
            });
        }

        public IReadOnlyList<ContainerEvent> Snapshot()
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reader;
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task Killing_a_container_yields_a_die_event_for_its_owner()
    {
        var owner = NewOwner(environment);
        var other = NewOwner(environment, "other");
        await using var recorder = new EventRecorder(Runtime, owner);
        var spec = HttpService() with { RestartPolicy = RestartPolicy.Never };
        var id = await Runtime.CreateAndStartAsync(Replica(environment, owner, spec), CancellationToken.None);
        await Runtime.CreateAndStartAsync(Replica(environment, other, spec), CancellationToken.None);

        await environment.Client.Containers.KillContainerAsync(id, new global::Docker.DotNet.Models.ContainerKillParameters { Signal = "KILL" });

        var events = await Poll.UntilAsync(
            () => Task.FromResult(recorder.Snapshot()),
            seen => seen.Any(e => e.Action == "die"),
            Deadline,
            "a die event",
            TimeSpan.FromMilliseconds(100));
        Assert.All(events, e => Assert.Equal(owner, e.Owner));
        var die = events.First(e => e.Action == "die");
        Assert.Equal(id, die.ContainerId);
        // The operator recognises the start events it caused by the container's name, so the name must come through.
        Assert.Contains(events, e => e.Action == "start" && e.ContainerId == id && e.ContainerName == Replica(environment, owner, spec).ContainerName);
        Assert.True(die.Time > DateTimeOffset.UtcNow.AddMinutes(-5), $"event time {die.Time} is not recent");
    }

    [Fact]
    public async Task Health_changes_and_removal_are_reported()
    {
        var owner = NewOwner(environment);
        await using var recorder = new EventRecorder(Runtime, owner);
        var id = await Runtime.CreateAndStartAsync(
            Replica(environment, owner, HttpService(FastHttpCheck(9999))), CancellationToken.None);

        await Poll.UntilAsync(
            () => Task.FromResult(recorder.Snapshot()),
            seen => seen.Any(e => e.Action.StartsWith("health_status", StringComparison.Ordinal)),
            Deadline,
            "a health_status event");
        await Runtime.RemoveAsync(id, CancellationToken.None);

        await Poll.UntilAsync(
            () => Task.FromResult(recorder.Snapshot()),
            seen => seen.Any(e => e.Action == "destroy" && e.ContainerId == id),
            Deadline,
            "a destroy event");
    }

    [Fact]
    public async Task Cancelling_ends_the_event_stream()
    {
        using var cancellation = new CancellationTokenSource();
        var enumerator = Runtime.WatchEventsAsync(cancellation.Token).GetAsyncEnumerator(cancellation.Token);
        var next = enumerator.MoveNextAsync().AsTask();

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
        await enumerator.DisposeAsync();
    }
}
