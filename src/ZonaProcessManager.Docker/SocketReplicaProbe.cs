using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Probing;

namespace ZonaProcessManager.Docker;

/// <summary>
/// Probes a replica from the operator's host at the container's own address on its network (not a published port:
/// the checked port need not be published, and a published one would route through docker-proxy). HTTP as kubelet
/// does it: one GET with "Connection: close", redirects not followed, any status from 200 to 399 is a success, the body
/// is never read. TCP: a connect that succeeds is a success. Failure words are stable from one probe to the next
/// ("connection refused", "HTTP status 500"), so a lasting failure does not rewrite a service's status.
/// </summary>
public sealed class SocketReplicaProbe : IReplicaProbe, IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        // No connection outlives its probe: every target is another container, and the request asks to close anyway.
        PooledConnectionLifetime = TimeSpan.Zero,
        PooledConnectionIdleTimeout = TimeSpan.Zero,
    })
    {
        // The caller's token is the probe's timeout.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<ProbeResult> ProbeAsync(string address, OperatorProbe probe, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        ArgumentNullException.ThrowIfNull(probe);
        if (!IPAddress.TryParse(address, out var ip))
        {
            return ProbeResult.Failed($"'{address}' is not an IP address");
        }

        return probe.Http is { } http
            ? await HttpAsync(ip, http.Port, http.Path, cancellationToken).ConfigureAwait(false)
            : await TcpAsync(ip, probe.Port, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProbeResult> HttpAsync(IPAddress ip, int port, string path, CancellationToken cancellationToken)
    {
        var host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        if (!Uri.TryCreate($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}{path}", UriKind.Absolute, out var uri))
        {
            return ProbeResult.Failed($"'{path}' does not make an HTTP address");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.ConnectionClose = true;
        request.Headers.UserAgent.ParseAdd("zpm-probe/1");
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 400 ? ProbeResult.Success : ProbeResult.Failed($"HTTP status {status.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (HttpRequestException exception) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Failed(Describe(exception));
        }
    }

    private static async Task<ProbeResult> TcpAsync(IPAddress ip, int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(ip, port), cancellationToken).ConfigureAwait(false);
            return ProbeResult.Success;
        }
        catch (SocketException exception) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Failed(Describe(exception.SocketErrorCode));
        }
    }

    private static string Describe(HttpRequestException exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return Describe(socket.SocketErrorCode);
            }
        }

        return exception.HttpRequestError switch
        {
            HttpRequestError.ResponseEnded => "the connection closed before a response",
            HttpRequestError.InvalidResponse => "the response is not HTTP",
            HttpRequestError.ConnectionError => "connection failed",
            _ => "the request failed (" + exception.HttpRequestError + ")",
        };
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "address unreachable from the operator's host",
        SocketError.TimedOut => "connect timed out",
        SocketError.ConnectionReset => "connection reset",
        _ => "socket error " + error,
    };

    public void Dispose() => _http.Dispose();
}
