using System.Collections.Concurrent;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>
/// An in-memory IServiceStore that records status writes, and the IEventRecorder beside it: events land next to the
/// documents, as the Mongo adapters keep both in one database.
/// </summary>
public sealed class FakeServiceStore : IServiceStore, IEventRecorder
{
    private readonly ConcurrentDictionary<ResourceKey, StoredService> _documents = new();
    private readonly Lock _gate = new();
    private readonly List<ResourceEvent> _events = [];
    private int _statusWrites;
    private int _lists;

    public int ListCalls => Volatile.Read(ref _lists);

    public int StatusWrites => Volatile.Read(ref _statusWrites);

    public IReadOnlyList<ResourceEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public List<ResourceKey> Deleted { get; } = [];

    public ResourceKey Put(ServiceSpec spec)
    {
        _documents.AddOrUpdate(spec.Key,
            _ => new StoredService(spec.Key, Guid.NewGuid().ToString("N"), spec, null, null),
            (_, existing) => existing with { Spec = spec, InvalidReason = null });
        return spec.Key;
    }

    public void PutUnreadable(ResourceKey key, string reason) =>
        _documents.AddOrUpdate(key,
            _ => new StoredService(key, Guid.NewGuid().ToString("N"), null, reason, null),
            (_, existing) => existing with { Spec = null, InvalidReason = reason });

    public void Remove(ResourceKey key) => _documents.TryRemove(key, out _);

    public void SetPhase(ResourceKey key, ResourcePhase phase) =>
        _documents.AddOrUpdate(key, _ => throw new InvalidOperationException($"{key} not stored"), (_, existing) => existing with { Status = (existing.Status ?? new ServiceStatus()) with { Phase = phase } });

    public ServiceStatus? StatusOf(ResourceKey key) => _documents.TryGetValue(key, out var stored) ? stored.Status : null;

    public bool Exists(ResourceKey key) => _documents.ContainsKey(key);

    /// <summary>Runs at the start of every list before it answers; lets a test hold the store's answer back.</summary>
    public Func<CancellationToken, Task>? BeforeList { get; set; }

    public async Task<IReadOnlyList<StoredService>> ListAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lists);
        if (BeforeList is { } hook)
        {
            await hook(cancellationToken);
        }

        return [.. _documents.Values];
    }

    public Task<StoredService?> GetAsync(ResourceKey key, CancellationToken cancellationToken) =>
        Task.FromResult(_documents.TryGetValue(key, out var stored) ? stored : null);

    public Task WriteStatusAsync(ResourceKey key, ServiceStatus status, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _statusWrites);
        _documents.AddOrUpdate(key, _ => throw new InvalidOperationException($"status write for missing {key}"), (_, existing) => existing with { Status = status });
        return Task.CompletedTask;
    }

    public Task DeleteAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        _documents.TryRemove(key, out _);
        lock (_gate)
        {
            Deleted.Add(key);
        }

        return Task.CompletedTask;
    }

    public Task RecordAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _events.Add(resourceEvent);
        }

        return Task.CompletedTask;
    }
}
