using System.Collections.Concurrent;
using System.Diagnostics;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// Wraps the operator's real Docker runtime to see, from outside, when the operator first touched Docker for each
/// resource (the reaction to a spec write) and how many changing calls it made (creates, removes, restarts), without
/// changing what reaches Docker.
/// </summary>
public sealed class RecordingContainerRuntime(IContainerRuntime inner) : IContainerRuntime
{
    private readonly ConcurrentDictionary<ResourceKey, long> _firstCall = new();
    private long _creates;
    private long _removes;
    private long _restarts;
    private long _networkEnsures;
    private long _lists;
    private long _listTicks;
    private long _createTicks;

    /// <summary>Stopwatch timestamp of the first Docker call made on behalf of <paramref name="owner"/>, if any.</summary>
    public long? FirstCallTimestamp(ResourceKey owner) => _firstCall.TryGetValue(owner, out var at) ? at : null;

    public long Creates => Interlocked.Read(ref _creates);

    public long Removes => Interlocked.Read(ref _removes);

    public long Restarts => Interlocked.Read(ref _restarts);

    public long NetworkEnsures => Interlocked.Read(ref _networkEnsures);

    /// <summary>Calls of ListAsync (any owner) and the time they took in all, to see what the operator adds to Docker's load.</summary>
    public (long Calls, TimeSpan Total) Lists => (Interlocked.Read(ref _lists), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _listTicks)));

    public TimeSpan CreateAndStartTotal => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _createTicks));

    public async Task<IReadOnlyList<ObservedContainer>> ListAsync(ResourceKey? owner, CancellationToken cancellationToken)
    {
        if (owner is { } key)
        {
            Record(key);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.ListAsync(owner, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref _lists);
            Interlocked.Add(ref _listTicks, Stopwatch.GetTimestamp() - started);
        }
    }

    public Task<IReadOnlyList<ObservedContainer>> InspectAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken) =>
        inner.InspectAsync(containerIds, cancellationToken);

    public async Task<string> CreateAndStartAsync(DesiredContainer container, CancellationToken cancellationToken)
    {
        Record(container.Owner);
        Interlocked.Increment(ref _creates);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.CreateAndStartAsync(container, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _createTicks, Stopwatch.GetTimestamp() - started);
        }
    }

    public Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _removes);
        return inner.RemoveAsync(containerId, cancellationToken);
    }

    public Task RestartAsync(string containerId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _restarts);
        return inner.RestartAsync(containerId, cancellationToken);
    }

    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _networkEnsures);
        return inner.EnsureNetworkAsync(name, labels, cancellationToken);
    }

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken) => inner.RemoveNetworkAsync(name, cancellationToken);

    public Task EnsureVolumeAsync(VolumeSpec volume, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        inner.EnsureVolumeAsync(volume, labels, cancellationToken);

    public IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken) => inner.WatchEventsAsync(cancellationToken);

    private void Record(ResourceKey owner) => _firstCall.TryAdd(owner, Stopwatch.GetTimestamp());
}
