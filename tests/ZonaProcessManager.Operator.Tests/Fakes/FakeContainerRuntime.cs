using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>
/// An in-memory container engine: containers appear Running at once, with the health a test chooses per image, and every
/// mutating call is recorded in order so tests can assert what the operator asked Docker to do.
/// </summary>
public sealed class FakeContainerRuntime(TimeProvider time) : IContainerRuntime
{
    private readonly ConcurrentDictionary<string, ObservedContainer> _containers = new();
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _extraLabelsById = new();
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];
    private Channel<ContainerEvent> _events = Channel.CreateUnbounded<ContainerEvent>();
    private int _nextId;

    /// <summary>Health of a new container by image; default: no health check (None).</summary>
    public ConcurrentDictionary<string, ContainerHealth> HealthByImage { get; } = new();

    /// <summary>Images whose creation fails with this Docker message.</summary>
    public ConcurrentDictionary<string, string> CreateErrorByImage { get; } = new();

    /// <summary>
    /// Images Docker creates but cannot start (a host port held by another process): like the Docker adapter, the
    /// half-made container is removed at once, and Docker reports that removal as a destroy event.
    /// </summary>
    public ConcurrentDictionary<string, string> StartErrorByImage { get; } = new();

    /// <summary>Images whose process exits with code 1 right after every start; each exit comes as a die event.</summary>
    public ConcurrentDictionary<string, bool> CrashingImages { get; } = new();

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<ObservedContainer> Containers => [.. _containers.Values.OrderBy(c => c.Name, StringComparer.Ordinal)];

    public IReadOnlyList<ObservedContainer> ContainersOf(ResourceKey owner) => [.. Containers.Where(c => c.Owner == owner)];

    /// <summary>The labels beyond the zpm.* ones the Docker adapter always sets, as the container was created with.</summary>
    public IReadOnlyDictionary<string, string> ExtraLabelsOf(ObservedContainer container) => _extraLabelsById[container.Id];

    public void ClearCalls()
    {
        lock (_gate)
        {
            _calls.Clear();
        }
    }

    /// <summary>Simulates something outside the operator (a user, the OOM killer, a health check).</summary>
    public void Mutate(string containerId, Func<ObservedContainer, ObservedContainer> change) =>
        _containers.AddOrUpdate(containerId, _ => throw new InvalidOperationException($"no container {containerId}"), (_, c) => change(c));

    public void RemoveBehindTheOperatorsBack(string containerId) => _containers.TryRemove(containerId, out _);

    public void SetHealthOfAll(string image, ContainerHealth health)
    {
        foreach (var container in _containers.Values.Where(c => ImageOf(c) == image))
        {
            Mutate(container.Id, c => c with { Health = health });
        }
    }

    public ValueTask PublishEventAsync(ContainerEvent containerEvent) => _events.Writer.WriteAsync(containerEvent);

    /// <summary>The current event stream fails with <paramref name="error"/> (as when dockerd goes away); the next watch gets a new one.</summary>
    public void BreakEventStream(Exception error) => Interlocked.Exchange(ref _events, Channel.CreateUnbounded<ContainerEvent>()).Writer.TryComplete(error);

    private readonly ConcurrentDictionary<string, string> _imageById = new();

    public string ImageOf(ObservedContainer container) => _imageById[container.Id];

    private int _lists;

    /// <summary>How many times anything listed containers.</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>Runs at the start of every list (null owner: all containers); lets a test make the engine hang or fail.</summary>
    public Func<ResourceKey?, CancellationToken, Task>? BeforeList { get; set; }

    public async Task<IReadOnlyList<ObservedContainer>> ListAsync(ResourceKey? owner, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lists);
        if (BeforeList is { } hook)
        {
            await hook(owner, cancellationToken);
        }

        return [.. Containers.Where(c => owner is null || c.Owner == owner)];
    }

    private int _inspections;

    /// <summary>How many containers were inspected by id.</summary>
    public int Inspections => Volatile.Read(ref _inspections);

    public Task<IReadOnlyList<ObservedContainer>> InspectAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _inspections, containerIds.Count);
        return Task.FromResult<IReadOnlyList<ObservedContainer>>([.. Containers.Where(c => containerIds.Contains(c.Id)).OrderBy(c => c.Replica).ThenBy(c => c.Id, StringComparer.Ordinal)]);
    }

    /// <summary>Runs after each successful create, with the container created.</summary>
    public Action<DesiredContainer>? AfterCreate { get; set; }

    public Task<string> CreateAndStartAsync(DesiredContainer container, CancellationToken cancellationToken)
    {
        var id = Create(container);
        AfterCreate?.Invoke(container);
        return Task.FromResult(id);
    }

    private string Create(DesiredContainer container)
    {
        Record($"create {container.ContainerName} {container.SpecHash}");
        if (CreateErrorByImage.TryGetValue(container.Spec.Image, out var error))
        {
            throw new ContainerRuntimeException(ContainerRuntimeErrorKind.Other, error);
        }

        if (_containers.Values.Any(c => c.Name == container.ContainerName))
        {
            throw new ContainerRuntimeException(ContainerRuntimeErrorKind.NameConflict,
                $"Conflict. The container name \"/{container.ContainerName}\" is already in use");
        }

        var id = $"c{Interlocked.Increment(ref _nextId):D4}";
        if (StartErrorByImage.TryGetValue(container.Spec.Image, out var startError))
        {
            _events.Writer.TryWrite(new ContainerEvent(container.Owner, id, "destroy", time.GetUtcNow(), container.ContainerName));
            throw new ContainerRuntimeException("start container", container.ContainerName, ContainerRuntimeErrorKind.PortInUse, startError);
        }

        _imageById[id] = container.Spec.Image;
        _extraLabelsById[id] = container.ExtraLabels;
        _containers[id] = Crashed(new ObservedContainer
        {
            Id = id,
            Name = container.ContainerName,
            Owner = container.Owner,
            Replica = container.Replica,
            SpecHash = container.SpecHash,
            State = ContainerState.Running,
            Health = HealthByImage.GetValueOrDefault(container.Spec.Image, ContainerHealth.None),
            CreatedAt = time.GetUtcNow(),
            StartedAt = time.GetUtcNow(),
        });
        return id;
    }

    public Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        Record($"remove {NameOf(containerId)}");
        _containers.TryRemove(containerId, out _);
        return Task.CompletedTask;
    }

    public Task RestartAsync(string containerId, CancellationToken cancellationToken)
    {
        Record($"restart {NameOf(containerId)}");
        Mutate(containerId, c => c with
        {
            State = ContainerState.Running,
            Health = HealthByImage.GetValueOrDefault(_imageById[containerId], ContainerHealth.None),
            StartedAt = time.GetUtcNow(),
            RestartCount = c.RestartCount + 1,
        });
        Mutate(containerId, Crashed);
        return Task.CompletedTask;
    }

    /// <summary>A container just started of a crashing image has already exited, and Docker said so.</summary>
    private ObservedContainer Crashed(ObservedContainer started)
    {
        if (!CrashingImages.ContainsKey(_imageById[started.Id]))
        {
            return started;
        }

        _events.Writer.TryWrite(new ContainerEvent(started.Owner, started.Id, "die", time.GetUtcNow(), started.Name));
        return started with { State = ContainerState.Exited, ExitCode = 1, FinishedAt = started.StartedAt };
    }

    /// <summary>When set, creating a network fails with this engine message (e.g. Docker's address pools are used up).</summary>
    public string? NetworkCreateError { get; set; }

    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        Record($"network {name}");
        return NetworkCreateError is { } error
            ? Task.FromException(new ContainerRuntimeException("create network", name, ContainerRuntimeErrorKind.Other, error))
            : Task.CompletedTask;
    }

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken)
    {
        Record($"remove-network {name}");
        return Task.CompletedTask;
    }

    public Task EnsureVolumeAsync(VolumeSpec volume, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        Record($"volume {volume.Name}");
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var containerEvent in Volatile.Read(ref _events).Reader.ReadAllAsync(cancellationToken))
        {
            yield return containerEvent;
        }
    }

    private string NameOf(string containerId) => _containers.TryGetValue(containerId, out var c) ? c.Name : containerId;

    private void Record(string call)
    {
        lock (_gate)
        {
            _calls.Add(call);
        }
    }
}
