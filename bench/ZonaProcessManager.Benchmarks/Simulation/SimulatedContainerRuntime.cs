using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Benchmarks.Simulation;

/// <summary>
/// A container engine kept in memory, for the operator's single-host path at sizes no Docker host holds. Each call
/// waits what <see cref="Latency"/> says the real engine takes (a list as long as the engine's container count makes
/// it, on at most <see cref="EngineCores"/> lists at once, as dockerd's walk is CPU on this machine's two cores), and
/// the engine reports start, die and destroy events on its event stream as Docker does. The simulation's own
/// bookkeeping is indexed by owner, so its CPU does not grow with the count and stays out of the operator's figures.
/// </summary>
public sealed class SimulatedContainerRuntime : IContainerRuntime
{
    /// <summary>Lists the simulated engine serves at once.</summary>
    public const int EngineCores = 2;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ObservedContainer> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _idByName = new(StringComparer.Ordinal);
    private readonly Dictionary<ResourceKey, HashSet<string>> _idsByOwner = [];
    private readonly List<Channel<ContainerEvent>> _subscribers = [];
    private readonly ConcurrentDictionary<ResourceKey, long> _lastCreateCall = new();
    private readonly SemaphoreSlim _engine = new(EngineCores);
    private long _nextId;
    private long _lists;
    private long _creates;

    public DockerLatencyModel Latency { get; set; } = DockerLatencyModel.Instant;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    public long Lists => Interlocked.Read(ref _lists);

    public long Creates => Interlocked.Read(ref _creates);

    /// <summary>Stopwatch timestamp of the latest create call made for <paramref name="owner"/>, if any.</summary>
    public long? LastCreateCall(ResourceKey owner) => _lastCreateCall.TryGetValue(owner, out var at) ? at : null;

    /// <summary>A running container of a random owner, or null when the engine holds none.</summary>
    public ObservedContainer? PickRunning(Random random)
    {
        lock (_gate)
        {
            if (_byId.Count == 0)
            {
                return null;
            }

            // Dictionary order is insertion order while nothing is removed; good enough to spread the picks.
            var skip = random.Next(_byId.Count);
            return _byId.Values.Skip(skip).Concat(_byId.Values).FirstOrDefault(c => c.State == ContainerState.Running);
        }
    }

    /// <summary>
    /// Puts a running copy of <paramref name="template"/> for <paramref name="owner"/> into the engine at once, without
    /// an event: as if it had been running before the operator started. Returns the copy.
    /// </summary>
    public ObservedContainer AddRunning(ObservedContainer template, ResourceKey owner)
    {
        var id = Interlocked.Increment(ref _nextId).ToString("x64", System.Globalization.CultureInfo.InvariantCulture);
        var copy = template with { Id = id, Owner = owner, Name = $"zpm-{owner.Tenant}-{owner.Name}-{template.Replica}" };
        lock (_gate)
        {
            Index(copy);
        }

        return copy;
    }

    /// <summary>Every container the engine holds, without the cost of a list; for the benchmark's own bookkeeping.</summary>
    public IReadOnlyList<ObservedContainer> Snapshot()
    {
        lock (_gate)
        {
            return [.. _byId.Values];
        }
    }

    /// <summary>The container's process dies in a way Docker cannot restart (state dead): the operator must replace it.</summary>
    public void Kill(string containerId)
    {
        ObservedContainer dead;
        lock (_gate)
        {
            var container = _byId[containerId];
            dead = container with { State = ContainerState.Dead, FinishedAt = DateTimeOffset.UtcNow, ExitCode = 137, Error = "killed by the simulation" };
            _byId[containerId] = dead;
        }

        Emit(dead, "die");
    }

    public async Task<IReadOnlyList<ObservedContainer>> ListAsync(ResourceKey? owner, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lists);
        await _engine.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WaitAsync(Latency.List(Count), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _engine.Release();
        }

        lock (_gate)
        {
            if (owner is not { } key)
            {
                return [.. _byId.Values];
            }

            return _idsByOwner.TryGetValue(key, out var ids) ? [.. ids.Select(id => _byId[id]).OrderBy(c => c.Replica)] : [];
        }
    }

    public async Task<IReadOnlyList<ObservedContainer>> InspectAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken)
    {
        await WaitAsync(Latency.Inspect * containerIds.Count, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return [.. containerIds.Where(_byId.ContainsKey).Select(id => _byId[id])];
        }
    }

    public async Task<string> CreateAndStartAsync(DesiredContainer container, CancellationToken cancellationToken)
    {
        _lastCreateCall[container.Owner] = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _creates);
        await WaitAsync(Latency.Create, cancellationToken).ConfigureAwait(false);
        var id = Interlocked.Increment(ref _nextId).ToString("x64", System.Globalization.CultureInfo.InvariantCulture);
        var now = DateTimeOffset.UtcNow;
        var created = new ObservedContainer
        {
            Id = id,
            Name = container.ContainerName,
            Owner = container.Owner,
            Replica = container.Replica,
            SpecHash = container.SpecHash,
            State = ContainerState.Created,
            CreatedAt = now,
        };
        lock (_gate)
        {
            if (_idByName.ContainsKey(created.Name))
            {
                throw new ContainerRuntimeException(
                    "create container", created.Name, ContainerRuntimeErrorKind.NameConflict,
                    $"Conflict. The container name \"/{created.Name}\" is already in use", statusCode: 409);
            }

            Index(created);
        }

        await WaitAsync(Latency.Start, cancellationToken).ConfigureAwait(false);
        var running = created with { State = ContainerState.Running, StartedAt = DateTimeOffset.UtcNow };
        lock (_gate)
        {
            _byId[id] = running;
        }

        Emit(running, "start");
        return id;
    }

    public async Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        await WaitAsync(Latency.Remove, cancellationToken).ConfigureAwait(false);
        ObservedContainer? removed;
        lock (_gate)
        {
            if (!_byId.Remove(containerId, out removed))
            {
                return;
            }

            _idByName.Remove(removed.Name);
            if (_idsByOwner.TryGetValue(removed.Owner, out var ids) && ids.Remove(containerId) && ids.Count == 0)
            {
                _idsByOwner.Remove(removed.Owner);
            }
        }

        if (removed.State == ContainerState.Running)
        {
            Emit(removed, "die");
        }

        Emit(removed, "destroy");
    }

    public async Task RestartAsync(string containerId, CancellationToken cancellationToken)
    {
        await WaitAsync(Latency.Restart, cancellationToken).ConfigureAwait(false);
        ObservedContainer restarted;
        lock (_gate)
        {
            if (!_byId.TryGetValue(containerId, out var container))
            {
                throw new ContainerRuntimeException("restart container", containerId, ContainerRuntimeErrorKind.NotFound, $"No such container: {containerId}", 404);
            }

            restarted = container with { State = ContainerState.Running, StartedAt = DateTimeOffset.UtcNow, RestartCount = container.RestartCount + 1, Error = null, ExitCode = null };
            _byId[containerId] = restarted;
        }

        Emit(restarted, "start");
    }

    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        WaitAsync(Latency.Inspect, cancellationToken);

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken) => WaitAsync(Latency.Inspect, cancellationToken);

    public Task EnsureVolumeAsync(VolumeSpec volume, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        WaitAsync(Latency.Inspect, cancellationToken);

    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ContainerEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var containerEvent in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return containerEvent;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    private void Index(ObservedContainer container)
    {
        _byId[container.Id] = container;
        _idByName[container.Name] = container.Id;
        if (!_idsByOwner.TryGetValue(container.Owner, out var ids))
        {
            _idsByOwner[container.Owner] = ids = new HashSet<string>(StringComparer.Ordinal);
        }

        ids.Add(container.Id);
    }

    private void Emit(ObservedContainer container, string action)
    {
        var containerEvent = new ContainerEvent(container.Owner, container.Id, action, DateTimeOffset.UtcNow, container.Name);
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(containerEvent);
            }
        }
    }

    private static Task WaitAsync(TimeSpan cost, CancellationToken cancellationToken) =>
        cost > TimeSpan.Zero ? Task.Delay(cost, cancellationToken) : Task.CompletedTask;
}
