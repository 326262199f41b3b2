using Docker.DotNet;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// The workload runtime on a Docker Swarm manager: one ServiceSpec is one Swarm service, which Swarm itself schedules,
/// heals, rolls and rolls back; zpm creates or updates the service and reports its tasks.
/// </summary>
public sealed class SwarmWorkloadRuntime : IWorkloadRuntime, IDisposable
{
    private readonly DockerClient _client;
    private readonly bool _ownsClient;
    private readonly SwarmRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public SwarmWorkloadRuntime(DockerClient client, SwarmRuntimeOptions options, ILogger<SwarmWorkloadRuntime> logger, TimeProvider time, bool ownsClient = false)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _ownsClient = ownsClient;
    }

    /// <summary>A runtime on the engine at <paramref name="endpoint"/>, or the one the docker CLI would use (DOCKER_HOST, context, default socket) when null.</summary>
    public static SwarmWorkloadRuntime Create(SwarmRuntimeOptions options, ILogger<SwarmWorkloadRuntime> logger, Uri? endpoint, TimeProvider time) =>
        new(DockerClientFactory.Create(endpoint), options, logger, time, ownsClient: true);

    public ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now) =>
        throw new NotImplementedException();

    public Task<ObservedWorkload> ObserveAsync(ResourceKey owner, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public Task<IReadOnlyList<ObservedWorkload>> ObserveAllAsync(CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public Task<WorkloadApplyResult> ApplyAsync(DesiredWorkload desired, ObservedWorkload observed, ReconcilePlan plan, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public Task<WorkloadRemoval> RemoveAsync(ResourceKey owner, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public Task EnsureTenantNetworkAsync(string tenant, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public Task RemoveTenantNetworkAsync(string tenant, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }
}
