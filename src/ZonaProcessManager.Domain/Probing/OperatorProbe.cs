using System.Text.Json;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Probing;

/// <summary>
/// A ServiceSpec's http or tcp health check as the operator runs it from the host, with Docker's defaults filled in
/// where the spec says 0 (interval 30 s, timeout 30 s, retries 3, no start period), so a probe behaves as the Docker
/// health check the same spec would get. Exec checks have none: they need a process inside the container.
/// </summary>
public sealed record OperatorProbe
{
    public static readonly TimeSpan DockerDefaultInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DockerDefaultTimeout = TimeSpan.FromSeconds(30);
    public const int DockerDefaultRetries = 3;

    public HttpProbe? Http { get; init; }
    public TcpProbe? Tcp { get; init; }
    public required TimeSpan Interval { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required int Retries { get; init; }
    public TimeSpan StartPeriod { get; init; }

    /// <summary>The port the probe connects to.</summary>
    public int Port => Http?.Port ?? Tcp?.Port ?? 0;

    /// <summary>The probe for <paramref name="check"/>, or null when the operator cannot run it (exec, or none at all).</summary>
    public static OperatorProbe? For(HealthCheckSpec? check)
    {
        if (check is null || (check.Http is null && check.Tcp is null))
        {
            return null;
        }

        return new OperatorProbe
        {
            Http = check.Http is { } http ? http with { Path = NormalizePath(http.Path) } : null,
            Tcp = check.Http is null ? check.Tcp : null,
            Interval = check.IntervalSeconds > 0 ? TimeSpan.FromSeconds(check.IntervalSeconds) : DockerDefaultInterval,
            Timeout = check.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(check.TimeoutSeconds) : DockerDefaultTimeout,
            Retries = check.Retries > 0 ? check.Retries : DockerDefaultRetries,
            StartPeriod = check.StartPeriodSeconds > 0 ? TimeSpan.FromSeconds(check.StartPeriodSeconds) : TimeSpan.Zero,
        };
    }

    /// <summary>
    /// The probe as a container label value (compact JSON), so an operator that restarts, or another instance that
    /// takes over, knows which containers it probes and how without reading their specs.
    /// </summary>
    public string ToLabel()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Http is { } http)
            {
                json.WriteString("kind", "http");
                json.WriteNumber("port", http.Port);
                json.WriteString("path", http.Path);
            }
            else
            {
                json.WriteString("kind", "tcp");
                json.WriteNumber("port", Port);
            }

            json.WriteNumber("intervalMs", (long)Interval.TotalMilliseconds);
            json.WriteNumber("timeoutMs", (long)Timeout.TotalMilliseconds);
            json.WriteNumber("retries", Retries);
            json.WriteNumber("startPeriodMs", (long)StartPeriod.TotalMilliseconds);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads <see cref="ToLabel"/>'s form back; null (with the reason) for anything else.</summary>
    public static OperatorProbe? FromLabel(string? label, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(label))
        {
            problem = "the probe label is empty";
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(label);
            var root = document.RootElement;
            var port = root.GetProperty("port").GetInt32();
            var interval = TimeSpan.FromMilliseconds(root.GetProperty("intervalMs").GetInt64());
            var timeout = TimeSpan.FromMilliseconds(root.GetProperty("timeoutMs").GetInt64());
            var retries = root.GetProperty("retries").GetInt32();
            var startPeriod = TimeSpan.FromMilliseconds(root.GetProperty("startPeriodMs").GetInt64());
            if (port is < 1 or > 65535 || interval <= TimeSpan.Zero || timeout <= TimeSpan.Zero || retries < 1 || startPeriod < TimeSpan.Zero)
            {
                problem = "the probe label has a port, interval, timeout, retries or start period out of range";
                return null;
            }

            var kind = root.GetProperty("kind").GetString();
            return kind switch
            {
                "http" => new OperatorProbe
                {
                    Http = new HttpProbe(port, NormalizePath(root.GetProperty("path").GetString())),
                    Interval = interval,
                    Timeout = timeout,
                    Retries = retries,
                    StartPeriod = startPeriod,
                },
                "tcp" => new OperatorProbe
                {
                    Tcp = new TcpProbe(port),
                    Interval = interval,
                    Timeout = timeout,
                    Retries = retries,
                    StartPeriod = startPeriod,
                },
                _ => Refuse("the probe label's kind is neither http nor tcp", out problem),
            };
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            problem = "the probe label is not the operator's probe description";
            return null;
        }
    }

    /// <summary>What the probe checks, for messages: "HTTP GET :8080/healthz" or "TCP :5432".</summary>
    public string Describe() => Http is { } http ? $"HTTP GET :{http.Port}{http.Path}" : $"TCP :{Port}";

    private static OperatorProbe? Refuse(string reason, out string? problem)
    {
        problem = reason;
        return null;
    }

    private static string NormalizePath(string? path) =>
        string.IsNullOrEmpty(path) ? "/" : path.StartsWith('/') ? path : "/" + path;
}
