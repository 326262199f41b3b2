using System.Security.Cryptography;
using System.Text.Json;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Hashing;

/// <summary>
/// The zpm.spec-hash of a spec: hex SHA-256 (first 16 characters) of a canonical JSON form of exactly what defines a
/// running container. Replicas, dependsOn, category, update, suspended and metadata are left out, so changing them
/// never restarts anything. Maps are sorted by key, and lists whose order Docker ignores (ports, volumes, networks)
/// are sorted too; command and exec arguments keep their order because it matters. The one piece of metadata in it is
/// the `zpm.restarted-at` annotation (<see cref="RolloutRestart"/>), and only when set: a restart replaces every
/// replica, and a service never restarted keeps the hash it had before restarts existed.
/// </summary>
public static class SpecHasher
{
    public const int Length = 16;

    // Bump when the canonical form changes on purpose; every container then rolls once.
    private const string FormatVersion = "zpm-spec-hash/v1";

    public static string Hash(ServiceSpecBody spec) => Hash(spec, restartedAt: null);

    /// <param name="restartedAt">The service's `zpm.restarted-at` annotation; null (or blank) when never restarted.</param>
    public static string Hash(ServiceSpecBody spec, string? restartedAt)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var hash = SHA256.HashData(CanonicalJson(spec, restartedAt));
        return Convert.ToHexStringLower(hash)[..Length];
    }

    /// <summary>The replica hash of a whole ServiceSpec: its spec and its restart annotation.</summary>
    public static string HashOf(ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return Hash(service.Spec, RolloutRestart.Of(service.Metadata));
    }

    /// <summary>The exact bytes that are hashed (exposed so a mismatch can be explained).</summary>
    public static byte[] CanonicalJson(ServiceSpecBody spec, string? restartedAt = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatVersion);
            json.WriteString("image", spec.Image);
            WriteStrings(json, "command", spec.Command);
            WriteMap(json, "env", spec.Env);

            json.WriteStartArray("ports");
            foreach (var port in (spec.Ports ?? []).OrderBy(p => p.Container).ThenBy(p => p.Protocol, StringComparer.Ordinal)
                         .ThenBy(p => p.HostIp, StringComparer.Ordinal).ThenBy(p => p.Host))
            {
                json.WriteStartObject();
                json.WriteNumber("container", port.Container);
                if (port.Host is { } host)
                {
                    json.WriteNumber("host", host);
                }
                else
                {
                    json.WriteString("host", "auto");
                }

                json.WriteString("protocol", port.Protocol);
                json.WriteString("hostIp", port.HostIp);
                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteStartArray("volumes");
            foreach (var volume in (spec.Volumes ?? []).OrderBy(v => v.Target, StringComparer.Ordinal)
                         .ThenBy(v => v.Name, StringComparer.Ordinal).ThenBy(v => v.HostPath, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                WriteOptional(json, "name", volume.Name);
                WriteOptional(json, "hostPath", volume.HostPath);
                json.WriteString("target", volume.Target);
                json.WriteBoolean("readOnly", volume.ReadOnly);
                WriteOptional(json, "driver", volume.Driver);
                WriteMap(json, "driverOpts", volume.DriverOpts);
                json.WriteEndObject();
            }

            json.WriteEndArray();

            WriteStrings(json, "networks", (spec.Networks ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
            WriteHealthCheck(json, spec.HealthCheck);
            json.WriteString("restartPolicy", spec.RestartPolicy.ToString());

            if (spec.Resources is { } resources)
            {
                json.WriteStartObject("resources");
                if (resources.Cpus is { } cpus)
                {
                    json.WriteNumber("cpus", cpus);
                }

                if (resources.MemoryMb is { } memory)
                {
                    json.WriteNumber("memoryMb", memory);
                }

                json.WriteEndObject();
            }

            // Written only when set, so the bytes (and the hash) of a service never restarted stay what they were.
            if (!string.IsNullOrWhiteSpace(restartedAt))
            {
                json.WriteString("restartedAt", restartedAt);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteHealthCheck(Utf8JsonWriter json, HealthCheckSpec? check)
    {
        if (check is null)
        {
            return;
        }

        json.WriteStartObject("healthCheck");
        if (check.Http is { } http)
        {
            json.WriteStartObject("http");
            json.WriteNumber("port", http.Port);
            json.WriteString("path", http.Path);
            json.WriteEndObject();
        }

        if (check.Tcp is { } tcp)
        {
            json.WriteStartObject("tcp");
            json.WriteNumber("port", tcp.Port);
            json.WriteEndObject();
        }

        if (check.Exec is { } exec)
        {
            WriteStrings(json, "exec", exec);
        }

        json.WriteNumber("intervalSeconds", check.IntervalSeconds);
        json.WriteNumber("timeoutSeconds", check.TimeoutSeconds);
        json.WriteNumber("retries", check.Retries);
        json.WriteNumber("startPeriodSeconds", check.StartPeriodSeconds);
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string>? values)
    {
        json.WriteStartArray(name);
        foreach (var value in values ?? [])
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteMap(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, string>? map)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in (map ?? new Dictionary<string, string>()).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
