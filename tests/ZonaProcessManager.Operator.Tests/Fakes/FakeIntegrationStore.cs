using System.Collections.Concurrent;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>
/// An in-memory IIntegrationStore sharing the services "collection" of a FakeServiceStore (child ServiceSpecs live there,
/// as in MongoDB). Port claims honour the same two uniqueness rules as the unique indexes: one owner per port, one port per owner.
/// </summary>
public sealed class FakeIntegrationStore(FakeServiceStore services) : IIntegrationStore
{
    private readonly ConcurrentDictionary<string, StoredDefinition> _catalog = new();
    private readonly ConcurrentDictionary<string, StoredTenant> _tenants = new();
    private readonly ConcurrentDictionary<ResourceKey, StoredIntegration> _integrations = new();
    private readonly Lock _ports = new();
    private readonly List<PortAllocation> _allocations = [];

    private int _ownerWrites;
    private int _childWriteCalls;

    public List<string> Calls { get; } = [];

    public IReadOnlyList<PortAllocation> Allocations
    {
        get
        {
            lock (_ports)
            {
                return [.. _allocations];
            }
        }
    }

    public void PutDefinition(IntegrationDefinition definition) =>
        _catalog[definition.Metadata.Name] = new StoredDefinition(IntegrationKeys.Definition(definition.Metadata.Name), definition.Metadata.Name, definition, null);

    public void RemoveDefinition(string name) => _catalog.TryRemove(name, out _);

    public StoredTenant PutTenant(string code, bool suspended = false, bool deletionRequested = false)
    {
        var tenant = new Tenant { Metadata = new ResourceMetadata { Name = code }, Spec = new TenantSpec { Suspended = suspended } };
        return _tenants.AddOrUpdate(code,
            _ => new StoredTenant(IntegrationKeys.Tenant(code), Guid.NewGuid().ToString("N"), tenant, null, null, deletionRequested),
            (_, existing) => existing with { Tenant = tenant, DeletionRequested = deletionRequested });
    }

    public void RemoveTenant(string code) => _tenants.TryRemove(code, out _);

    public TenantStatus? TenantStatusOf(string code) => _tenants.TryGetValue(code, out var t) ? t.Status : null;

    public bool TenantExists(string code) => _tenants.ContainsKey(code);

    public ResourceKey PutIntegration(string tenant, string name, int integrationId, IReadOnlyDictionary<string, string>? parameters = null, bool enabled = true, int replicas = 1)
    {
        var key = IntegrationKeys.Integration(tenant, name);
        var spec = new IntegrationSpec
        {
            Metadata = new ResourceMetadata { Name = name, Tenant = tenant },
            Spec = new IntegrationSpecBody { IntegrationId = integrationId, Parameters = parameters ?? new Dictionary<string, string>(), Enabled = enabled, Replicas = replicas },
        };
        _integrations.AddOrUpdate(key,
            _ => new StoredIntegration(key, Guid.NewGuid().ToString("N"), spec, null, null, []),
            (_, existing) => existing with { Integration = spec, InvalidReason = null });
        return key;
    }

    public IntegrationStatus? IntegrationStatusOf(ResourceKey key) => _integrations.TryGetValue(key, out var i) ? i.Status : null;

    public bool IntegrationExists(ResourceKey key) => _integrations.ContainsKey(key);

    public StoredIntegration? Integration(ResourceKey key) => _integrations.GetValueOrDefault(key);

    public void AddAllocation(PortAllocation allocation)
    {
        lock (_ports)
        {
            _allocations.Add(allocation);
        }
    }

    public Task<IReadOnlyList<StoredDefinition>> ListCatalogAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredDefinition>>([.. _catalog.Values]);

    public Task<IReadOnlyList<StoredTenant>> ListTenantsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredTenant>>([.. _tenants.Values]);

    public Task<StoredTenant?> GetTenantAsync(string code, CancellationToken cancellationToken) =>
        Task.FromResult(_tenants.GetValueOrDefault(code));

    public Task<IReadOnlyList<StoredIntegration>> ListIntegrationsAsync(string? tenant, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredIntegration>>([.. _integrations.Values.Where(i => tenant is null || i.Key.Tenant == tenant).OrderBy(i => i.Key.Name, StringComparer.Ordinal)]);

    public Task<StoredIntegration?> GetIntegrationAsync(ResourceKey key, CancellationToken cancellationToken) =>
        Task.FromResult(_integrations.GetValueOrDefault(key));

    public Task WriteTenantStatusAsync(string code, TenantStatus status, CancellationToken cancellationToken)
    {
        _tenants.AddOrUpdate(code, _ => throw new InvalidOperationException($"status write for missing tenant {code}"), (_, t) => t with { Status = status });
        return Task.CompletedTask;
    }

    public Task WriteIntegrationStatusAsync(ResourceKey key, IntegrationStatus status, CancellationToken cancellationToken)
    {
        _integrations.AddOrUpdate(key, _ => throw new InvalidOperationException($"status write for missing {key}"), (_, i) => i with { Status = status });
        return Task.CompletedTask;
    }

    /// <summary>How many owner (adoption) writes were made: each is a change event, i.e. another integration reconcile.</summary>
    public int OwnerWrites => Volatile.Read(ref _ownerWrites);

    public Task SetIntegrationOwnerAsync(ResourceKey key, OwnerReference owner, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _ownerWrites);
        _integrations.AddOrUpdate(key, _ => throw new InvalidOperationException($"owner write for missing {key}"), (_, i) => i with { OwnerReferences = [owner] });
        return Task.CompletedTask;
    }

    public Task DeleteIntegrationAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        _integrations.TryRemove(key, out _);
        Record($"delete integration {key.Name}");
        return Task.CompletedTask;
    }

    public Task DeleteTenantAsync(string code, CancellationToken cancellationToken)
    {
        _tenants.TryRemove(code, out _);
        Record($"delete tenant {code}");
        return Task.CompletedTask;
    }

    /// <summary>Calls of PutChildServiceAsync, whether or not they changed anything (each is a round trip in MongoDB).</summary>
    public int ChildWriteCalls => Volatile.Read(ref _childWriteCalls);

    public async Task<bool> PutChildServiceAsync(ServiceSpec service, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _childWriteCalls);
        var existing = await services.GetAsync(service.Key, cancellationToken);
        var deletionRequested = existing?.Spec?.Metadata.DeletionRequested ?? false;
        var stored = service with { Metadata = service.Metadata with { DeletionRequested = deletionRequested } };
        if (existing?.Spec is { } current && Same(current, stored))
        {
            return false;
        }

        services.Put(stored);
        Record($"put service {service.Metadata.Name}");
        return true;
    }

    public async Task<IReadOnlyList<StoredService>> ListChildServicesAsync(string? tenant, CancellationToken cancellationToken) =>
        [.. (await services.ListAsync(cancellationToken))
            .Where(s => tenant is null || s.Key.Tenant == tenant)
            .Where(s => s.Spec?.Metadata.OwnerReferences.Any(o => o.Kind == IntegrationSpec.KindName) ?? false)];

    public async Task<bool> RequestServiceDeletionAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        if (await services.GetAsync(key, cancellationToken) is not { Spec: { } spec })
        {
            return false;
        }

        services.Put(spec with { Metadata = spec.Metadata with { DeletionRequested = true } });
        Record($"request deletion of service {key.Name}");
        return true;
    }

    public Task<IReadOnlyList<PortAllocation>> ListPortAllocationsAsync(string? tenant, CancellationToken cancellationToken)
    {
        lock (_ports)
        {
            return Task.FromResult<IReadOnlyList<PortAllocation>>([.. _allocations.Where(a => tenant is null || a.Tenant == tenant)]);
        }
    }

    public Task<ClaimAttempt> TryClaimPortAsync(PortAllocation allocation, CancellationToken cancellationToken)
    {
        lock (_ports)
        {
            if (_allocations.FirstOrDefault(a => a.Owner == allocation.Owner) is { } owned)
            {
                return Task.FromResult(new ClaimAttempt(ClaimResult.OwnerHasPort, owned.Port));
            }

            if (_allocations.Any(a => a.Port == allocation.Port))
            {
                return Task.FromResult(new ClaimAttempt(ClaimResult.PortTaken));
            }

            _allocations.Add(allocation);
            return Task.FromResult(new ClaimAttempt(ClaimResult.Claimed));
        }
    }

    public Task ReleasePortsAsync(IReadOnlyCollection<PortAllocation> allocations, CancellationToken cancellationToken)
    {
        lock (_ports)
        {
            _allocations.RemoveAll(allocations.Contains);
        }

        Record($"release ports {string.Join(",", allocations.Select(a => a.Port).Order())}");
        return Task.CompletedTask;
    }

    private void Record(string call)
    {
        lock (Calls)
        {
            Calls.Add(call);
        }
    }

    private static bool Same(ServiceSpec a, ServiceSpec b) =>
        Domain.Hashing.SpecEquivalence.Equivalent(a.Spec, b.Spec)
        && a.Metadata.OwnerReferences.SequenceEqual(b.Metadata.OwnerReferences)
        && a.Metadata.Labels.OrderBy(l => l.Key).SequenceEqual(b.Metadata.Labels.OrderBy(l => l.Key))
        && a.Metadata.Annotations.OrderBy(l => l.Key).SequenceEqual(b.Metadata.Annotations.OrderBy(l => l.Key));
}

/// <summary>A host where the listed ports are held by something else.</summary>
public sealed class FakeHostPortProbe : IHostPortProbe
{
    public ConcurrentDictionary<int, bool> Taken { get; } = new();

    public bool IsFree(int port) => !Taken.ContainsKey(port);
}

/// <summary>Records follow-up requests instead of queueing them.</summary>
public sealed class RecordingReconcileTrigger : ZonaProcessManager.Operator.Controllers.IReconcileTrigger
{
    private readonly Lock _gate = new();
    private readonly List<ResourceKey> _requested = [];

    public IReadOnlyList<ResourceKey> Requested
    {
        get
        {
            lock (_gate)
            {
                return [.. _requested];
            }
        }
    }

    public void Request(IEnumerable<ResourceKey> keys, string reason)
    {
        lock (_gate)
        {
            _requested.AddRange(keys);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _requested.Clear();
        }
    }
}
