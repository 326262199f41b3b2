using System.Net;

namespace ZonaProcessManager.Operator.Settings;

/// <summary>
/// Where the operator serves its HTTP endpoints (health probes, metrics, dashboard): `zpm run --http ADDRESS:PORT`,
/// `--http off` and `--http-allow-remote`. The endpoints answer without authentication, so only loopback addresses are
/// accepted unless <see cref="AllowRemote"/> says otherwise.
/// </summary>
public sealed record HttpSettings
{
    /// <summary>No HTTP at all: what a host built in-process (tests, benchmarks) gets unless it asks.</summary>
    public static HttpSettings Off { get; } = new();

    /// <summary>What `zpm run` serves on without --http: 127.0.0.1:9400.</summary>
    public static IPEndPoint DefaultEndpoint { get; } = new(IPAddress.Loopback, 9400);

    /// <summary>The address and port to listen on (port 0 picks a free one); null serves nothing. Default null.</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>
    /// When true <see cref="Endpoint"/> may be an address other hosts reach (0.0.0.0, a LAN address). Default false:
    /// anything but a loopback address is refused.
    /// </summary>
    public bool AllowRemote { get; init; }

    public bool Enabled => Endpoint is not null;

    /// <summary>The first problem with these settings, or null when they can work.</summary>
    public string? Problem() =>
        Endpoint is { } endpoint && !IPAddress.IsLoopback(endpoint.Address) && !AllowRemote
            ? $"{Format(endpoint)} is reachable from other hosts and the endpoints have no authentication; "
              + "listen on 127.0.0.1 (or ::1), or allow it explicitly (--http-allow-remote)"
            : null;

    /// <summary>"127.0.0.1:9400", "[::1]:9400".</summary>
    public static string Format(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.ToString();
    }
}
