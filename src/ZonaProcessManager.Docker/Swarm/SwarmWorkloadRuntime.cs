using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Planning.Swarm;
using ZonaProcessManager.Domain.Ports;
using SwarmServiceSpec = Docker.DotNet.Models.ServiceSpec;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// The workload runtime on a Docker Swarm manager: one ServiceSpec is one Swarm service named zpm-&lt;tenant&gt;-&lt;name&gt;,
/// which Swarm itself schedules, heals, rolls and rolls back; zpm creates or updates the service (<see cref="SwarmPlanner"/>)
/// and reports its tasks. Never pulls or resolves images: there is no registry, so each node must have them. Every
/// engine failure is a <see cref="ContainerRuntimeException"/> with Docker's own message.
/// </summary>
/// <remarks>
/// Observing everything is one service list and one task list, whatever the number of services. Events: the manager's
/// event stream carries service and node events for the whole swarm, but container events only of its own node; task
/// changes on other nodes are noticed by listing the tasks every <see cref="SwarmRuntimeOptions.TaskPollInterval"/> (one
/// call) and reporting each task whose state, desired state or error changed since the previous list. A node event
/// (down, drained) lists at once.
/// </remarks>
public sealed class SwarmWorkloadRuntime : IWorkloadRuntime, IDisposable
{
    private readonly DockerClient _client;
    private readonly bool _ownsClient;
    private readonly SwarmRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SwarmPlanner _planner;

    // Swarm allows two networks of one name, so creating one is serialised per name in this process.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _networkLocks = new(StringComparer.Ordinal);

    // Networks this runtime has seen exist, with their owner; every service create or spec update ensures its networks,
    // and a known one skips the network list. Forgotten when removed here, and when a create finds it gone.
    private readonly ConcurrentDictionary<string, NetworkOwner> _knownNetworks = new(StringComparer.Ordinal);

    public SwarmWorkloadRuntime(DockerClient client, SwarmRuntimeOptions options, ILogger<SwarmWorkloadRuntime> logger, TimeProvider time, bool ownsClient = false)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _ownsClient = ownsClient;
        _planner = new SwarmPlanner(options.Planning, SwarmServiceTranslator.RuntimeSettings(options));
    }

    /// <summary>
    /// A runtime on the engine at <paramref name="endpoint"/>, or on the one the docker CLI would use (DOCKER_HOST, context,
    /// default socket) when null. The engine must be a Swarm manager.
    /// </summary>
    public static SwarmWorkloadRuntime Create(SwarmRuntimeOptions options, ILogger<SwarmWorkloadRuntime> logger, Uri? endpoint, TimeProvider time) =>
        new(DockerClientFactory.Create(endpoint), options, logger, time, ownsClient: true);

    public DockerClient Client => _client;

    /// <summary>The zpm.spec-hash a service of <paramref name="spec"/> carries with this runtime's settings.</summary>
    public string SpecHashOf(ServiceSpecBody spec) => _planner.SpecHashOf(spec);

    public ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now) => _planner.Plan(desired, observed, now);

    public async Task<ObservedWorkload> ObserveAsync(ResourceKey owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var service = await FindServiceAsync(owner, cancellationToken).ConfigureAwait(false);
        if (service is null)
        {
            return ObservedWorkload.None(owner);
        }

        var tasks = await ListTasksAsync(service.ID, cancellationToken).ConfigureAwait(false);
        return SwarmWorkloadMapper.Map(service, tasks) ?? ObservedWorkload.None(owner);
    }

    public async Task<IReadOnlyList<ObservedWorkload>> ObserveAllAsync(CancellationToken cancellationToken)
    {
        var services = await ListServicesAsync(cancellationToken).ConfigureAwait(false);
        if (services.Count == 0)
        {
            return [];
        }

        var tasks = await ListTasksAsync(serviceId: null, cancellationToken).ConfigureAwait(false);
        return SwarmWorkloadMapper.Map(services, tasks);
    }

    public async Task<WorkloadApplyResult> ApplyAsync(DesiredWorkload desired, ObservedWorkload observed, ReconcilePlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(plan);
        if (!plan.HasActions)
        {
            return WorkloadApplyResult.NothingDone(observed);
        }

        var owner = desired.Owner;
        foreach (var action in plan.Actions)
        {
            _logger.LogInformation("{Resource} swarm: {Action}", owner, action.Describe());
            try
            {
                switch (action)
                {
                    case EnsureNetwork network:
                        await EnsureOverlayNetworkAsync(network.Name, owner.Tenant, TenantNetworkLabels(owner.Tenant), cancellationToken).ConfigureAwait(false);
                        break;
                    case CreateSwarmService create:
                        await CreateServiceAsync(desired, create, cancellationToken).ConfigureAwait(false);
                        break;
                    case UpdateSwarmService update:
                        await UpdateServiceAsync(desired, update, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        throw new NotSupportedException($"The Swarm runtime cannot run {action.GetType().Name}");
                }
            }
            catch (ContainerRuntimeException exception) when (exception.Kind != ContainerRuntimeErrorKind.Unavailable)
            {
                // Docker may echo the service's spec (env included) in its message; secret values must not travel on.
                var message = SecretRedactor.RedactText(exception.Message, desired.SecretValues);
                _logger.LogWarning("{Resource} swarm: {Action} failed: {Error}", owner, action.Describe(), message);
                var remaining = await ObserveAsync(owner, cancellationToken).ConfigureAwait(false);
                return new WorkloadApplyResult(remaining, message, action.Describe());
            }
        }

        return new WorkloadApplyResult(await ObserveAsync(owner, cancellationToken).ConfigureAwait(false));
    }

    public async Task<WorkloadRemoval> RemoveAsync(ResourceKey owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var observed = await ObserveAsync(owner, cancellationToken).ConfigureAwait(false);
        if (observed.ReportedCounts is null)
        {
            return new WorkloadRemoval(0, new PlanOutcome(OutcomeKind.Removed, PlanOutcome.Reasons.RemovalFinished, "All containers removed"), observed);
        }

        var name = SwarmServiceNames.For(owner);
        var outcome = new PlanOutcome(OutcomeKind.TearingDown, PlanOutcome.Reasons.Terminating, $"Removing swarm service {name}");
        _logger.LogInformation("{Resource} swarm: remove swarm service {Service}", owner, name);
        try
        {
            await Call("remove service", name, token => _client.Swarm.RemoveServiceAsync(name, token), cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException gone) when (gone.Kind == ContainerRuntimeErrorKind.NotFound)
        {
            // Removed meanwhile by someone else: what was wanted.
        }
        catch (ContainerRuntimeException exception) when (exception.Kind != ContainerRuntimeErrorKind.Unavailable)
        {
            _logger.LogWarning("{Resource} swarm: remove swarm service {Service} failed: {Error}", owner, name, exception.Message);
            return new WorkloadRemoval(observed.Replicas.Count, outcome, observed, exception.Message, $"remove swarm service {name}");
        }

        return new WorkloadRemoval(observed.Replicas.Count, outcome, ObservedWorkload.None(owner));
    }

    public Task EnsureTenantNetworkAsync(string tenant, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        return EnsureOverlayNetworkAsync(Tenant.NetworkNameFor(tenant), tenant, TenantNetworkLabels(tenant), cancellationToken);
    }

    public async Task RemoveTenantNetworkAsync(string tenant, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        var name = Tenant.NetworkNameFor(tenant);
        _knownNetworks.TryRemove(name, out _);
        foreach (var network in await FindNetworksAsync(name, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await Call("remove network", name, token => _client.Networks.DeleteNetworkAsync(network.ID, token), cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Removed network {Network}", name);
            }
            catch (ContainerRuntimeException gone) when (gone.Kind == ContainerRuntimeErrorKind.NotFound)
            {
                // Already gone: removing is idempotent.
            }
        }
    }

    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = Channel.CreateUnbounded<ContainerEvent>(new UnboundedChannelOptions { SingleReader = true });
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pollNow = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var watcher = new SwarmEventWatcher(this, events.Writer, pollNow);
        var stream = watcher.FollowEventStreamAsync(watching.Token);
        var poll = watcher.PollTasksAsync(watching.Token);
        var both = Task.WhenAll(stream, poll).ContinueWith(
            finished => events.Writer.TryComplete(finished.Exception?.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var swarmEvent in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return swarmEvent;
            }
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            await both.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var gate in _networkLocks.Values)
        {
            gate.Dispose();
        }

        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    internal SwarmRuntimeOptions Options => _options;

    internal ILogger Logger => _logger;

    internal TimeProvider Time => _time;

    internal async Task<IList<SwarmService>> ListServicesAsync(CancellationToken cancellationToken) =>
        await Call(
            "list services",
            "all",
            token => _client.Swarm.ListServicesAsync(
                new ServiceListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Managed}=true"] = true },
                    },
                },
                token),
            cancellationToken).ConfigureAwait(false) is { } services ? [.. services] : [];

    /// <summary>Every task (of one service, or of all); Swarm's task list cannot filter by service label.</summary>
    internal async Task<IList<TaskResponse>> ListTasksAsync(string? serviceId, CancellationToken cancellationToken)
    {
        var parameters = new TasksListParameters();
        if (serviceId is not null)
        {
            parameters.Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["service"] = new Dictionary<string, bool> { [serviceId] = true },
            };
        }

        var tasks = await Call("list tasks", serviceId ?? "all", token => _client.Tasks.ListAsync(parameters, token), cancellationToken).ConfigureAwait(false);
        return tasks is null ? [] : [.. tasks];
    }

    internal Task MonitorEventsAsync(ContainerEventsParameters parameters, IProgress<Message> progress, CancellationToken cancellationToken) =>
        _client.System.MonitorEventsAsync(parameters, progress, cancellationToken);

    private async Task<SwarmService?> FindServiceAsync(ResourceKey owner, CancellationToken cancellationToken)
    {
        var name = SwarmServiceNames.For(owner);
        // The name filter matches prefixes; the labels say whose it is.
        var services = await Call(
            "list services",
            name,
            token => _client.Swarm.ListServicesAsync(
                new ServiceListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["name"] = new Dictionary<string, bool> { [name] = true },
                        ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Managed}=true"] = true },
                    },
                },
                token),
            cancellationToken).ConfigureAwait(false);
        return services?.Where(s => s.Spec?.Name == name && SwarmWorkloadMapper.OwnerOf(s.Spec.Labels) == owner)
            .OrderBy(s => s.CreatedAt ?? DateTime.MinValue)
            .FirstOrDefault();
    }

    private async Task CreateServiceAsync(DesiredWorkload desired, CreateSwarmService create, CancellationToken cancellationToken)
    {
        var spec = Translate(desired, create.ServiceName, create.Spec, create.SpecHash, create.Replicas);
        try
        {
            var response = await Call(
                "create service",
                create.ServiceName,
                token => _client.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = spec }, token),
                cancellationToken).ConfigureAwait(false);
            _logger.LogInformation(
                "Created swarm service {Service} ({ServiceId}) for {Resource}, {Replicas} replica(s), spec {SpecHash}",
                create.ServiceName, ShortId(response.ID), desired.Owner, create.Replicas, create.SpecHash);
        }
        catch (ContainerRuntimeException missing) when (IsMissingNetwork(missing))
        {
            foreach (var network in create.Spec.Networks)
            {
                _knownNetworks.TryRemove(network, out _);
            }

            throw;
        }
    }

    /// <summary>
    /// Updates with the version index just read. Another change in between (Swarm's own updater writes the service as a
    /// rollout proceeds) makes Swarm refuse the update as out of sequence: read again and retry, never an error.
    /// </summary>
    private async Task UpdateServiceAsync(DesiredWorkload desired, UpdateSwarmService update, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await Call("inspect service", update.ServiceName, token => _client.Swarm.InspectServiceAsync(update.ServiceName, token), cancellationToken)
                .ConfigureAwait(false);
            var spec = update.ScaleOnly
                ? SwarmServiceTranslator.Scaled(current.Spec ?? throw new ContainerRuntimeException("inspect service", update.ServiceName, ContainerRuntimeErrorKind.Other, "Swarm returned the service without its spec"), update.Replicas)
                : Translate(desired, update.ServiceName, update.Spec, update.SpecHash, update.Replicas);
            try
            {
                await Call(
                    "update service",
                    update.ServiceName,
                    token => _client.Swarm.UpdateServiceAsync(
                        current.ID,
                        new ServiceUpdateParameters { Service = spec, Version = (long)(current.Version?.Index ?? 0) },
                        token),
                    cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Updated swarm service {Service} for {Resource}: {Change}", update.ServiceName, desired.Owner, update.Describe());
                return;
            }
            catch (ContainerRuntimeException conflict) when (IsOutOfSequence(conflict) && attempt < _options.UpdateConflictRetries)
            {
                _logger.LogDebug("{Resource} swarm: service {Service} changed while updating it; reading it again", desired.Owner, update.ServiceName);
            }
        }
    }

    private SwarmServiceSpec Translate(DesiredWorkload desired, string name, ServiceSpecBody spec, string hash, int replicas)
    {
        try
        {
            return SwarmServiceTranslator.Translate(desired.Owner, name, spec, hash, replicas, desired.OwnerLabels, _options);
        }
        catch (ArgumentException invalid)
        {
            throw new ContainerRuntimeException("create service", name, ContainerRuntimeErrorKind.InvalidRequest, invalid.Message, innerException: invalid);
        }
    }

    private static bool IsOutOfSequence(ContainerRuntimeException exception) =>
        exception.EngineMessage.Contains("update out of sequence", StringComparison.OrdinalIgnoreCase);

    private static bool IsMissingNetwork(ContainerRuntimeException exception) =>
        exception.EngineMessage.Contains("network", StringComparison.OrdinalIgnoreCase)
        && exception.EngineMessage.Contains("not found", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// An attachable overlay network (so a plain container may join too, as the tests do). A network a tenant's service
    /// asks for must be zpm's and that tenant's, as on a single host: a name one tenant made, or a network made by hand,
    /// is not joined by another tenant's tasks.
    /// </summary>
    private async Task EnsureOverlayNetworkAsync(string name, string tenant, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        if (_knownNetworks.TryGetValue(name, out var known))
        {
            CheckMayJoin(name, [known], tenant);
            return;
        }

        var gate = _networkLocks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_knownNetworks.TryGetValue(name, out known))
            {
                CheckMayJoin(name, [known], tenant);
                return;
            }

            var existing = await FindNetworksAsync(name, cancellationToken).ConfigureAwait(false);
            if (existing.Count > 0)
            {
                var owners = existing.Select(n => NetworkOwner.Of(n.Labels)).ToList();
                CheckMayJoin(name, owners, tenant);
                _knownNetworks.TryAdd(name, owners[0]);
                return;
            }

            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            if (_options.EncryptedTenantNetworks)
            {
                options["encrypted"] = "";
            }

            var networkLabels = new Dictionary<string, string>(labels, StringComparer.Ordinal) { [ZpmLabels.Managed] = "true" };
            await Call(
                "create network",
                name,
                token => _client.Networks.CreateNetworkAsync(
                    new NetworksCreateParameters
                    {
                        Name = name,
                        Driver = "overlay",
                        Scope = "swarm",
                        Attachable = true,
                        Options = options,
                        Labels = networkLabels,
                    },
                    token),
                cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Created overlay network {Network}{Encrypted}", name, _options.EncryptedTenantNetworks ? " (encrypted)" : "");
            _knownNetworks.TryAdd(name, NetworkOwner.Of(networkLabels));
        }
        finally
        {
            gate.Release();
        }
    }

    private static void CheckMayJoin(string name, IReadOnlyList<NetworkOwner> owners, string tenant)
    {
        if (owners.Any(owner => !owner.Managed))
        {
            throw new ContainerRuntimeException("join network", name, ContainerRuntimeErrorKind.InvalidRequest,
                "the network exists and is not managed by zpm; a service may join only its own tenant's networks");
        }

        if (owners.Any(owner => owner.Tenant != tenant))
        {
            throw new ContainerRuntimeException("join network", name, ContainerRuntimeErrorKind.InvalidRequest,
                $"the network belongs to another tenant; a service of tenant {tenant} may join only its own tenant's networks");
        }
    }

    /// <summary>Who a network belongs to, from its labels: zpm-managed or not, and for which tenant.</summary>
    private sealed record NetworkOwner(bool Managed, string? Tenant)
    {
        public static NetworkOwner Of(IDictionary<string, string>? labels) =>
            new(labels?.TryGetValue(ZpmLabels.Managed, out var managed) == true && managed == "true",
                labels?.TryGetValue(ZpmLabels.Tenant, out var tenant) == true ? tenant : null);
    }

    private async Task<IReadOnlyList<NetworkResponse>> FindNetworksAsync(string name, CancellationToken cancellationToken)
    {
        // The name filter matches substrings; keep exact matches only.
        var networks = await Call(
            "list networks",
            name,
            token => _client.Networks.ListNetworksAsync(
                new NetworksListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
                },
                token),
            cancellationToken).ConfigureAwait(false);
        return networks.Where(n => n.Name == name).ToList();
    }

    private static Dictionary<string, string> TenantNetworkLabels(string tenant) => new()
    {
        [ZpmLabels.Managed] = "true",
        [ZpmLabels.Tenant] = tenant,
        [ZpmLabels.Kind] = Tenant.KindName,
        [ZpmLabels.Name] = tenant,
    };

    /// <summary>
    /// One Docker call with <see cref="SwarmRuntimeOptions.CallTimeout"/>: missing it is kind Unavailable; every failure
    /// is a <see cref="ContainerRuntimeException"/> and the caller's own cancellation stays an OperationCanceledException.
    /// </summary>
    private async Task<T> Call<T>(string operation, string target, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.CallTimeout);
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && exception is not DockerApiException)
        {
            throw DockerErrors.TimedOut(operation, target, _options.CallTimeout, exception);
        }
        catch (Exception exception) when (DockerErrors.Translate(operation, target, exception, cancellationToken) is { } error)
        {
            throw error;
        }
    }

    private Task Call(string operation, string target, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        Call(
            operation,
            target,
            async token =>
            {
                await call(token).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    internal static string ShortId(string? id) => id is null ? "" : id.Length > 12 ? id[..12] : id;

    internal static string DockerTimestamp(DateTimeOffset time)
    {
        var ticks = (time - DateTimeOffset.UnixEpoch).Ticks;
        return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond * 100:D9}");
    }
}
