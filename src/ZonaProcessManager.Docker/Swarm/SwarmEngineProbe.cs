using Docker.DotNet;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// Asks an engine whether it is a Swarm manager (one `GET /info`), so `zpm run --runtime auto` can choose its backend and
/// `--runtime swarm` and `zpm get nodes` can refuse a non-manager with a clear message rather than Docker's 503.
/// </summary>
public static class SwarmEngineProbe
{
    /// <summary>Deadline of the probe's one call: at start-up a hung engine must not hold `zpm run` for long.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The Swarm state of the engine at <paramref name="endpoint"/> (null: the engine the docker CLI would use). An engine
    /// that does not answer in <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>) is a
    /// <see cref="Domain.Ports.ContainerRuntimeException"/> of kind Unavailable.
    /// </summary>
    public static async Task<SwarmEngineState> ProbeAsync(Uri? endpoint, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var client = DockerClientFactory.Create(endpoint);
        return await ProbeAsync(client, cancellationToken, timeout).ConfigureAwait(false);
    }

    public static async Task<SwarmEngineState> ProbeAsync(DockerClient client, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var limit = timeout ?? DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            var info = await client.System.GetSystemInfoAsync(deadline.Token).ConfigureAwait(false);
            var swarm = info.Swarm;
            return new SwarmEngineState(
                swarm?.LocalNodeState ?? "",
                swarm?.ControlAvailable ?? false,
                swarm?.NodeID ?? "",
                swarm?.NodeAddr ?? "",
                (int)(swarm?.Nodes ?? 0),
                (int)(swarm?.Managers ?? 0),
                string.IsNullOrWhiteSpace(swarm?.Error) ? null : swarm.Error);
        }
        catch (Exception exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && exception is not DockerApiException)
        {
            throw DockerErrors.TimedOut("probe swarm", "engine", limit, exception);
        }
        catch (Exception exception) when (DockerErrors.Translate("probe swarm", "engine", exception, cancellationToken) is { } error)
        {
            throw error;
        }
    }
}
