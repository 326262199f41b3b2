using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Docker;

/// <summary>
/// <see cref="IContainerRuntime"/> on a Docker Engine (API 1.41+) through Docker.DotNet. Never pulls images: there
/// is no registry, so a missing image is an error the operator reports. Every failure is a
/// <see cref="ContainerRuntimeException"/> carrying Docker's own message; cancellation stays an
/// <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class DockerContainerRuntime : IContainerRuntime, IDisposable
{
    /// <summary>The container event actions that can change what the operator should do about the owner.</summary>
    public static readonly IReadOnlyList<string> WatchedActions = ["die", "destroy", "health_status", "oom", "start", "stop"];

    private readonly DockerClient _client;
    private readonly bool _ownsClient;
    private readonly DockerRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Docker (API 1.41) lets two concurrent creates make two networks of one name; serialise ensure per name.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _networkLocks = new(StringComparer.Ordinal);

    // Names of networks this runtime has seen exist. Ensuring a network runs on every tenant reconcile and before every
    // container create, and each look is a Docker network list; a known name skips it. A name is forgotten when this
    // runtime removes the network, and when a container create or connect finds it gone (someone else removed it), so
    // the reconcile's retry ensures it again.
    private readonly ConcurrentDictionary<string, NetworkOwner> _knownNetworks = new(StringComparer.Ordinal);

    public DockerContainerRuntime(
        DockerClient client,
        DockerRuntimeOptions? options = null,
        ILogger<DockerContainerRuntime>? logger = null,
        bool ownsClient = false,
        TimeProvider? time = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? new DockerRuntimeOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _ownsClient = ownsClient;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A runtime on the engine the docker CLI would use (DOCKER_HOST, context, default socket).</summary>
    public static DockerContainerRuntime Create(
        DockerRuntimeOptions? options = null, ILogger<DockerContainerRuntime>? logger = null, Uri? endpoint = null, TimeProvider? time = null) =>
        new(DockerClientFactory.Create(endpoint), options, logger, ownsClient: true, time);

    public DockerClient Client => _client;

    public async Task<IReadOnlyList<ObservedContainer>> ListAsync(ResourceKey? owner, CancellationToken cancellationToken)
    {
        var labelFilter = new Dictionary<string, bool> { [$"{ZpmLabels.Managed}=true"] = true };
        if (owner is not null)
        {
            labelFilter[$"{ZpmLabels.Kind}={owner.Kind}"] = true;
            labelFilter[$"{ZpmLabels.Tenant}={owner.Tenant}"] = true;
            labelFilter[$"{ZpmLabels.Name}={owner.Name}"] = true;
        }

        var listed = await Call(
            "list containers",
            owner?.ToString() ?? "all",
            token => _client.Containers.ListContainersAsync(
                new ContainersListParameters
                {
                    All = true,
                    Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labelFilter },
                },
                token), cancellationToken).ConfigureAwait(false);

        // The list lacks restart count, start time and (on API 1.41) health, so each container is inspected.
        var observed = new ConcurrentBag<ObservedContainer>();
        await Parallel.ForEachAsync(
            listed,
            new ParallelOptions
            {
                MaxDegreeOfParallelism = Math.Max(1, _options.ListInspectParallelism),
                CancellationToken = cancellationToken,
            },
            async (summary, token) =>
            {
                var inspection = await InspectOrNullAsync(summary.ID, token).ConfigureAwait(false);
                if (inspection is not null && ObservedContainerMapper.Map(inspection) is { } container)
                {
                    observed.Add(container);
                }
            }).ConfigureAwait(false);

        return InListOrder(observed);
    }

    public async Task<IReadOnlyList<ObservedContainer>> InspectAsync(IReadOnlyCollection<string> containerIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerIds);
        var observed = new List<ObservedContainer>(containerIds.Count);
        foreach (var id in containerIds)
        {
            var inspection = await InspectOrNullAsync(id, cancellationToken).ConfigureAwait(false);
            if (inspection is not null && ObservedContainerMapper.Map(inspection) is { } container)
            {
                observed.Add(container);
            }
        }

        return InListOrder(observed);
    }

    private static List<ObservedContainer> InListOrder(IEnumerable<ObservedContainer> containers) => containers
        .OrderBy(c => c.Owner.Kind, StringComparer.Ordinal)
        .ThenBy(c => c.Owner.Tenant, StringComparer.Ordinal)
        .ThenBy(c => c.Owner.Name, StringComparer.Ordinal)
        .ThenBy(c => c.Replica)
        .ThenBy(c => c.Id, StringComparer.Ordinal)
        .ToList();

    public async Task<string> CreateAndStartAsync(DesiredContainer container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ContainerCreatePlan plan;
        try
        {
            plan = ContainerSpecTranslator.Translate(container, _options);
        }
        catch (ArgumentException invalid)
        {
            throw new ContainerRuntimeException(
                "create container", container.ContainerName, ContainerRuntimeErrorKind.InvalidRequest, invalid.Message,
                innerException: invalid);
        }

        string id;
        try
        {
            id = await CreateReplacingOwnLeftoverAsync(container, plan, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException missing) when (IsMissingNetwork(missing))
        {
            ForgetNetworks(container);
            throw;
        }
        catch (ContainerRuntimeException timedOut) when (DockerErrors.IsTimeout(timedOut))
        {
            await RemoveLeftoverOfTimedOutCreateAsync(container).ConfigureAwait(false);
            throw;
        }

        try
        {
            foreach (var network in plan.AdditionalNetworks)
            {
                await Call(
                    "connect network",
                    $"{network} to {container.ContainerName}",
                    token => _client.Networks.ConnectNetworkAsync(
                        network,
                        new NetworkConnectParameters
                        {
                            Container = id,
                            EndpointConfig = ContainerSpecTranslator.Endpoint(container),
                        },
                        token), cancellationToken).ConfigureAwait(false);
            }

            await Call(
                "start container",
                container.ContainerName,
                token => _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), token), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            if (failure is ContainerRuntimeException missing && IsMissingNetwork(missing))
            {
                ForgetNetworks(container);
            }

            // A created-but-never-started container would block the name and look like a replica: take it away.
            await RemoveQuietlyAsync(id, container.ContainerName).ConfigureAwait(false);
            throw;
        }

        _logger.LogInformation(
            "Started container {ContainerName} ({ContainerId}) for {Resource} replica {Replica} spec {SpecHash}",
            container.ContainerName, ShortId(id), container.Owner, container.Replica, container.SpecHash);
        return id;
    }

    public async Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(containerId);
        try
        {
            await WithDeadline(
                "stop container",
                containerId,
                token => _client.Containers.StopContainerAsync(
                    containerId, new ContainerStopParameters { WaitBeforeKillSeconds = GraceSeconds }, token),
                cancellationToken,
                StoppingTimeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (DockerErrors.IsNotFound(exception))
        {
            return;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A container that cannot be stopped gracefully (e.g. dead) is still removed by force below.
            _logger.LogWarning(
                "Stopping container {ContainerId} failed, removing it by force: {Reason}",
                ShortId(containerId), DockerErrors.Translate("stop container", containerId, exception, cancellationToken)?.EngineMessage);
        }

        try
        {
            await WithDeadline(
                "remove container",
                containerId,
                token => _client.Containers.RemoveContainerAsync(
                    containerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = false }, token),
                cancellationToken,
                StoppingTimeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (DockerErrors.IsNotFound(exception))
        {
            return;
        }
        catch (DockerApiException conflict) when (conflict.StatusCode == HttpStatusCode.Conflict
            && DockerErrors.EngineMessage(conflict).Contains("already in progress", StringComparison.OrdinalIgnoreCase))
        {
            // Someone else is removing it already; the outcome is the one we want.
            return;
        }
        catch (Exception exception) when (DockerErrors.Translate("remove container", containerId, exception, cancellationToken) is { } error)
        {
            throw error;
        }

        _logger.LogInformation("Removed container {ContainerId}", ShortId(containerId));
    }

    public async Task RestartAsync(string containerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(containerId);
        await Call(
            "restart container",
            containerId,
            token => _client.Containers.RestartContainerAsync(
                containerId,
                new ContainerRestartParameters { WaitBeforeKillSeconds = GraceSeconds },
                token), cancellationToken, StoppingTimeout).ConfigureAwait(false);
        _logger.LogInformation("Restarted container {ContainerId}", ShortId(containerId));
    }

    public async Task EnsureNetworkAsync(
        string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(labels);
        if (_knownNetworks.TryGetValue(name, out var known))
        {
            CheckMayJoin(name, [known], labels);
            return;
        }

        var gate = _networkLocks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_knownNetworks.TryGetValue(name, out known))
            {
                CheckMayJoin(name, [known], labels); // ensured by the caller this one waited for
                return;
            }

            var existing = await FindNetworksAsync(name, cancellationToken).ConfigureAwait(false);
            if (existing.Count > 0)
            {
                var owners = existing.Select(n => NetworkOwner.Of(n.Labels)).ToList();
                CheckMayJoin(name, owners, labels);
                _knownNetworks.TryAdd(name, owners[0]);
                return;
            }

            var networkLabels = new Dictionary<string, string>(labels, StringComparer.Ordinal) { [ZpmLabels.Managed] = "true" };
            await Call(
                "create network",
                name,
                token => _client.Networks.CreateNetworkAsync(
                    new NetworksCreateParameters { Name = name, Driver = "bridge", Labels = networkLabels },
                    token), cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Created network {Network}", name);
            await RemoveDuplicateNetworksAsync(name, cancellationToken).ConfigureAwait(false);
            _knownNetworks.TryAdd(name, NetworkOwner.Of(networkLabels));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Who a Docker network belongs to, from its labels: zpm-managed or not, and for which tenant.</summary>
    private sealed record NetworkOwner(bool Managed, string? Tenant)
    {
        public static NetworkOwner Of(IDictionary<string, string>? labels) =>
            new(labels?.TryGetValue(ZpmLabels.Managed, out var managed) == true && managed == "true",
                labels?.TryGetValue(ZpmLabels.Tenant, out var tenant) == true ? tenant : null);
    }

    /// <summary>
    /// A network a tenant's resource asks for must be zpm's and that tenant's: otherwise a name one tenant's service
    /// created (or a network someone made by hand on the host) could be joined by another tenant's containers. Callers
    /// without a tenant label (tooling, tests) are not a tenant and are not restricted.
    /// </summary>
    private static void CheckMayJoin(string name, IReadOnlyList<NetworkOwner> owners, IReadOnlyDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(ZpmLabels.Tenant, out var tenant))
        {
            return;
        }

        if (owners.Any(owner => !owner.Managed))
        {
            throw new ContainerRuntimeException("join network", name, ContainerRuntimeErrorKind.InvalidRequest,
                "the network exists and is not managed by zpm; a service may join only its own tenant's networks");
        }

        if (owners.Any(owner => owner.Tenant != tenant))
        {
            throw new ContainerRuntimeException("join network", name, ContainerRuntimeErrorKind.InvalidRequest,
                $"the network belongs to another tenant; a service of tenant '{tenant}' may join only its own tenant's networks");
        }
    }

    /// <summary>
    /// Docker (API 1.41) accepts a second network of an existing name, so two operator processes ensuring one network
    /// at once can make two, after which attaching by name fails as ambiguous. Every ensurer keeps the same one (the
    /// oldest, then the lowest id) and deletes the rest, so racing processes converge.
    /// </summary>
    private async Task RemoveDuplicateNetworksAsync(string name, CancellationToken cancellationToken)
    {
        var networks = await FindNetworksAsync(name, cancellationToken).ConfigureAwait(false);
        foreach (var duplicate in networks.OrderBy(n => n.Created).ThenBy(n => n.ID, StringComparer.Ordinal).Skip(1))
        {
            try
            {
                await WithDeadline("remove network", duplicate.ID, token => _client.Networks.DeleteNetworkAsync(duplicate.ID, token), cancellationToken)
                    .ConfigureAwait(false);
                _logger.LogWarning("Removed duplicate network {Network} ({NetworkId})", name, ShortId(duplicate.ID));
            }
            catch (Exception exception) when (exception is DockerApiException or ContainerRuntimeException && !cancellationToken.IsCancellationRequested)
            {
                // Already removed by the other ensurer, in use, or no answer: leave it to a later ensure.
                _logger.LogWarning(
                    "Could not remove duplicate network {Network} ({NetworkId}): {Reason}",
                    name, ShortId(duplicate.ID), exception is DockerApiException api ? DockerErrors.EngineMessage(api) : exception.Message);
            }
        }
    }

    public async Task RemoveNetworkAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _knownNetworks.TryRemove(name, out _);
        foreach (var network in await FindNetworksAsync(name, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await WithDeadline("remove network", name, token => _client.Networks.DeleteNetworkAsync(network.ID, token), cancellationToken)
                    .ConfigureAwait(false);
                _logger.LogInformation("Removed network {Network}", name);
            }
            catch (Exception exception) when (DockerErrors.IsNotFound(exception))
            {
                // Gone between the lookup and the delete: that is what was asked for.
            }
            catch (Exception exception) when (DockerErrors.Translate("remove network", name, exception, cancellationToken) is { } error)
            {
                throw error;
            }
        }
    }

    public async Task EnsureVolumeAsync(
        VolumeSpec volume, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(labels);
        if (string.IsNullOrWhiteSpace(volume.Name))
        {
            return; // bind mounts and anonymous volumes have nothing to create ahead of the container
        }

        try
        {
            await WithDeadline("inspect volume", volume.Name, token => _client.Volumes.InspectAsync(volume.Name, token), cancellationToken)
                .ConfigureAwait(false);
            return;
        }
        catch (Exception exception) when (DockerErrors.IsNotFound(exception))
        {
            // Missing: create it below.
        }
        catch (Exception exception) when (DockerErrors.Translate("inspect volume", volume.Name, exception, cancellationToken) is { } error)
        {
            throw error;
        }

        var volumeLabels = new Dictionary<string, string>(labels, StringComparer.Ordinal) { [ZpmLabels.Managed] = "true" };
        // Creating an existing local volume is a no-op in Docker, so a concurrent ensure cannot fail here.
        await Call(
            "create volume",
            volume.Name,
            token => _client.Volumes.CreateAsync(
                new VolumesCreateParameters
                {
                    Name = volume.Name,
                    Driver = string.IsNullOrWhiteSpace(volume.Driver) ? "local" : volume.Driver,
                    DriverOpts = volume.DriverOpts.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
                    Labels = volumeLabels,
                },
                token), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Created volume {Volume}", volume.Name);
    }

    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Start from "now" rather than from whenever the stream happens to connect, so nothing that happens after
        // this call is missed; after a break, resume from the last event seen (Docker replays its recent events).
        var since = _time.GetUtcNow();
        var lastEvent = (TimeNano: 0L, Id: string.Empty, Action: string.Empty);
        // Doubling, capped, without jitter; a stream that delivered or lasted starts over.
        var backoff = new BackoffSequence(new BackoffPolicy(_options.EventReconnectInitialDelay, _options.EventReconnectMaxDelay, jitter: 0));

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var connectedAt = _time.GetUtcNow();
            var messages = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
            // Its own token, so a consumer that stops enumerating early also ends the HTTP stream.
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pump = PumpEventsAsync(since, messages.Writer, connection.Token);
            var delivered = false;
            try
            {
                await foreach (var message in messages.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    var timeNano = message.TimeNano ?? (message.Time ?? 0) * 1_000_000_000L;
                    var id = message.Actor?.ID ?? string.Empty;
                    var action = message.Action ?? string.Empty;
                    // Replays after a reconnect overlap what was already delivered.
                    if (timeNano < lastEvent.TimeNano
                        || (timeNano == lastEvent.TimeNano && id == lastEvent.Id && action == lastEvent.Action))
                    {
                        continue;
                    }

                    lastEvent = (timeNano, id, action);
                    since = DateTimeOffset.UnixEpoch.AddTicks(timeNano / 100);
                    delivered = true;
                    var attributes = message.Actor?.Attributes ?? new Dictionary<string, string>();
                    if (ObservedContainerMapper.OwnerFromLabels(attributes) is not { } owner)
                    {
                        continue;
                    }

                    yield return new ContainerEvent(
                        owner, id, action, DateTimeOffset.UnixEpoch.AddTicks(timeNano / 100), attributes.TryGetValue("name", out var name) ? name.TrimStart('/') : null);
                }
            }
            finally
            {
                if (!pump.IsCompleted)
                {
                    await connection.CancelAsync().ConfigureAwait(false);
                    await pump.ConfigureAwait(false);
                }
            }

            var failure = await pump.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (delivered || _time.GetUtcNow() - connectedAt > TimeSpan.FromMinutes(1))
            {
                backoff.Reset();
            }

            var delay = backoff.Next();
            _logger.EventStreamEnded(failure?.EngineMessage ?? "closed by the engine", delay);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Runs one event stream to its end; never throws, returns why it ended (null: closed normally or cancelled).</summary>
    private async Task<ContainerRuntimeException?> PumpEventsAsync(
        DateTimeOffset since, ChannelWriter<Message> writer, CancellationToken cancellationToken)
    {
        try
        {
            var parameters = new ContainerEventsParameters
            {
                Since = DockerTimestamp(since),
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["type"] = new Dictionary<string, bool> { ["container"] = true },
                    ["label"] = new Dictionary<string, bool> { [$"{ZpmLabels.Managed}=true"] = true },
                    ["event"] = WatchedActions.ToDictionary(a => a, _ => true),
                },
            };
            await _client.System.MonitorEventsAsync(parameters, new ChannelProgress(writer), cancellationToken)
                .ConfigureAwait(false);
            return null;
        }
        catch (Exception exception)
        {
            return DockerErrors.Translate("watch events", "containers", exception, cancellationToken);
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task<string> CreateReplacingOwnLeftoverAsync(
        DesiredContainer container, ContainerCreatePlan plan, CancellationToken cancellationToken)
    {
        try
        {
            return await CreateAsync(container, plan, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException conflict) when (conflict.Kind == ContainerRuntimeErrorKind.NameConflict)
        {
            var existing = await InspectOrNullAsync(container.ContainerName, cancellationToken).ConfigureAwait(false);
            if (existing is null || !IsOwnStoppedLeftover(existing, container.Owner))
            {
                // A running container, or one that is not ours: only the operator can decide what to do with it.
                throw;
            }

            _logger.LogWarning(
                "Removing stopped leftover container {ContainerName} ({ContainerId}) of {Resource} to reuse its name",
                container.ContainerName, ShortId(existing.ID), container.Owner);
            await RemoveAsync(existing.ID, cancellationToken).ConfigureAwait(false);
            return await CreateAsync(container, plan, cancellationToken).ConfigureAwait(false);
        }
    }

    // Docker answers 404 "network <name> not found" to a create or connect naming a network that is gone.
    private static bool IsMissingNetwork(ContainerRuntimeException exception) =>
        exception.Kind == ContainerRuntimeErrorKind.NotFound
        && exception.EngineMessage.Contains("network", StringComparison.OrdinalIgnoreCase);

    private void ForgetNetworks(DesiredContainer container)
    {
        foreach (var network in container.Spec.Networks)
        {
            _knownNetworks.TryRemove(network, out _);
        }
    }

    private static bool IsOwnStoppedLeftover(ContainerInspectResponse existing, ResourceKey owner)
    {
        var labels = existing.Config?.Labels ?? new Dictionary<string, string>();
        var state = ObservedContainerMapper.MapState(existing.State?.Status);
        return labels.TryGetValue(ZpmLabels.Managed, out var managed) && managed == "true"
            && ObservedContainerMapper.OwnerFromLabels(labels) == owner
            && state is ContainerState.Created or ContainerState.Exited or ContainerState.Dead;
    }

    private async Task<string> CreateAsync(
        DesiredContainer container, ContainerCreatePlan plan, CancellationToken cancellationToken)
    {
        var response = await Call(
            "create container",
            container.ContainerName,
            token => _client.Containers.CreateContainerAsync(plan.Parameters, token), cancellationToken).ConfigureAwait(false);
        foreach (var warning in response.Warnings ?? [])
        {
            _logger.LogWarning("Docker warns about {ContainerName}: {Warning}", container.ContainerName, warning);
        }

        return response.ID;
    }

    private async Task<ContainerInspectResponse?> InspectOrNullAsync(string idOrName, CancellationToken cancellationToken)
    {
        try
        {
            return await WithDeadline("inspect container", idOrName, token => _client.Containers.InspectContainerAsync(idOrName, token), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception exception) when (DockerErrors.IsNotFound(exception))
        {
            return null; // removed between listing and inspecting
        }
        catch (Exception exception) when (DockerErrors.Translate("inspect container", idOrName, exception, cancellationToken) is { } error)
        {
            throw error;
        }
    }

    private async Task RemoveQuietlyAsync(string id, string name)
    {
        try
        {
            // Not cancellable: this undoes a half-done create even when the caller gave up.
            await WithDeadline(
                "remove container",
                name,
                token => _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, token),
                CancellationToken.None,
                StoppingTimeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _logger.LogWarning(
                "Could not remove container {ContainerName} ({ContainerId}) after its start failed: {Reason}",
                name, ShortId(id), exception.Message);
        }
    }

    /// <summary>
    /// A create that timed out may still complete inside dockerd. Best effort: if a container of that name exists now
    /// and is this owner's and never started, remove it. One that appears later is the next create's own stopped
    /// leftover (see CreateReplacingOwnLeftoverAsync).
    /// </summary>
    private async Task RemoveLeftoverOfTimedOutCreateAsync(DesiredContainer container)
    {
        try
        {
            var leftover = await InspectOrNullAsync(container.ContainerName, CancellationToken.None).ConfigureAwait(false);
            if (leftover is not null && IsOwnStoppedLeftover(leftover, container.Owner))
            {
                await RemoveQuietlyAsync(leftover.ID, container.ContainerName).ConfigureAwait(false);
            }
        }
        catch (ContainerRuntimeException exception)
        {
            _logger.LogWarning(
                "Could not look for a leftover of {ContainerName} after its create timed out: {Reason}",
                container.ContainerName, exception.Message);
        }
    }

    /// <summary>
    /// Runs one Docker call with a deadline (<see cref="DockerRuntimeOptions.CallTimeout"/> unless given): a call Docker
    /// never answers (a hung runc) must not hold a reconcile worker forever. Missing the deadline is a
    /// <see cref="ContainerRuntimeException"/> of kind Unavailable naming the operation; every other failure passes
    /// through unchanged, and the caller's own cancellation stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    private async Task<T> WithDeadline<T>(
        string operation, string target, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var limit = timeout ?? _options.CallTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            && exception is not DockerApiException)
        {
            throw DockerErrors.TimedOut(operation, target, limit, exception);
        }
    }

    private async Task WithDeadline(
        string operation, string target, Func<CancellationToken, Task> call, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        await WithDeadline(
            operation,
            target,
            async token =>
            {
                await call(token).ConfigureAwait(false);
                return true;
            },
            cancellationToken,
            timeout).ConfigureAwait(false);

    private async Task<T> Call<T>(
        string operation, string target, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        try
        {
            return await WithDeadline(operation, target, call, cancellationToken, timeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (DockerErrors.Translate(operation, target, exception, cancellationToken) is { } error)
        {
            throw error;
        }
    }

    private Task Call(string operation, string target, Func<CancellationToken, Task> call, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        Call(
            operation,
            target,
            async token =>
            {
                await call(token).ConfigureAwait(false);
                return true;
            },
            cancellationToken,
            timeout);

    private async Task<IReadOnlyList<NetworkResponse>> FindNetworksAsync(string name, CancellationToken cancellationToken)
    {
        // The name filter matches substrings; keep exact matches only.
        var networks = await Call(
            "list networks",
            name,
            token => _client.Networks.ListNetworksAsync(
                new NetworksListParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["name"] = new Dictionary<string, bool> { [name] = true },
                    },
                },
                token), cancellationToken).ConfigureAwait(false);
        return networks.Where(n => n.Name == name).ToList();
    }

    private uint GraceSeconds => (uint)Math.Max(0, Math.Ceiling(_options.StopGracePeriod.TotalSeconds));

    /// <summary>Stop, restart and remove wait for the container's grace period before Docker answers.</summary>
    private TimeSpan StoppingTimeout => TimeSpan.FromSeconds(GraceSeconds) + _options.CallTimeout;

    private static string ShortId(string id) => id.Length > 12 ? id[..12] : id;

    private static string DockerTimestamp(DateTimeOffset time)
    {
        var ticks = (time - DateTimeOffset.UnixEpoch).Ticks;
        var seconds = ticks / TimeSpan.TicksPerSecond;
        var nanoseconds = ticks % TimeSpan.TicksPerSecond * 100;
        return string.Create(CultureInfo.InvariantCulture, $"{seconds}.{nanoseconds:D9}");
    }

    /// <summary>Hands each event to the channel synchronously, keeping Docker's order (Progress&lt;T&gt; would not).</summary>
    private sealed class ChannelProgress(ChannelWriter<Message> writer) : IProgress<Message>
    {
        public void Report(Message value) => writer.TryWrite(value);
    }
}
