using System.Security.Cryptography;
using System.Text.Json;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Hashing;

/// <summary>
/// The zpm.spec-hash of a Swarm service: hex SHA-256 (first 16 characters) over <see cref="SpecHasher"/>'s canonical form
/// of the container part, plus everything else the Swarm service carries from the spec (update, rollback, placement) and
/// the runtime's own settings that shape it (publish mode, grace period). Replicas and suspended are left out: a scale
/// changes the service's replica count, never its tasks. <see cref="SpecHasher"/> itself stays as it is, so a change of
/// update, rollback or placement never replaces a single-host container.
/// </summary>
public static class SwarmSpecHasher
{
    // Bump when the canonical form changes on purpose; every Swarm service then rolls once.
    private const string FormatVersion = "zpm-swarm-spec-hash/v1";

    /// <param name="runtimeSettings">The runtime's settings that end up in the service, in a stable textual form.</param>
    /// <param name="restartedAt">The `zpm.restarted-at` annotation (<see cref="RolloutRestart"/>), null when never
    /// restarted. It changes the container part, so the task template's zpm.spec-hash label changes and Swarm replaces
    /// every task with its update settings.</param>
    public static string Hash(ServiceSpecBody spec, string runtimeSettings, string? restartedAt = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(runtimeSettings);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatVersion);
            json.WriteString("container", SpecHasher.Hash(spec, restartedAt));
            json.WriteString("runtime", runtimeSettings);
            WriteRollout(json, "update", spec.Update.Order, spec.Update.Parallelism, spec.Update.DelaySeconds, spec.Update.MonitorSeconds, spec.Update.FailureAction);
            WriteRollout(json, "rollback", spec.Rollback.Order, spec.Rollback.Parallelism, spec.Rollback.DelaySeconds, spec.Rollback.MonitorSeconds, spec.Rollback.FailureAction);
            if (spec.Placement is { } placement)
            {
                json.WriteStartObject("placement");
                // Swarm ANDs constraints, so their order means nothing; preferences apply in order (a spread tree).
                json.WriteStartArray("constraints");
                foreach (var constraint in placement.Constraints.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                {
                    json.WriteStringValue(constraint);
                }

                json.WriteEndArray();
                json.WriteStartArray("spread");
                foreach (var preference in placement.Preferences)
                {
                    json.WriteStringValue(preference.Spread);
                }

                json.WriteEndArray();
                if (placement.MaxReplicasPerNode is { } max)
                {
                    json.WriteNumber("maxReplicasPerNode", max);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()))[..SpecHasher.Length];
    }

    private static void WriteRollout(Utf8JsonWriter json, string name, UpdateOrder order, int parallelism, int delaySeconds, int monitorSeconds, UpdateFailureAction failureAction)
    {
        json.WriteStartObject(name);
        json.WriteString("order", order.ToString());
        json.WriteNumber("parallelism", parallelism);
        json.WriteNumber("delaySeconds", delaySeconds);
        json.WriteNumber("monitorSeconds", monitorSeconds);
        json.WriteString("failureAction", failureAction.ToString());
        json.WriteEndObject();
    }
}
