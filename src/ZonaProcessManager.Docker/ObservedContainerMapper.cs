using System.Globalization;
using Docker.DotNet.Models;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Probing;

namespace ZonaProcessManager.Docker;

/// <summary>Pure mapping of Docker's container inspection onto the operator's <see cref="ObservedContainer"/>.</summary>
public static class ObservedContainerMapper
{
    /// <summary>
    /// Null when the labels do not name an owner (kind, tenant and name): such a container cannot be attributed to
    /// any resource, so the operator must not touch it.
    /// </summary>
    public static ObservedContainer? Map(ContainerInspectResponse inspection)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        var labels = inspection.Config?.Labels ?? new Dictionary<string, string>();
        var owner = OwnerFromLabels(labels);
        if (owner is null)
        {
            return null;
        }

        var state = inspection.State;
        string? error = null;
        int replica;
        if (!labels.TryGetValue(ZpmLabels.Replica, out var replicaText)
            || !int.TryParse(replicaText, NumberStyles.None, CultureInfo.InvariantCulture, out replica))
        {
            // Still reported (as replica -1) so the operator sees it as surplus and removes it.
            replica = -1;
            error = $"label {ZpmLabels.Replica} is '{replicaText}', not a replica number";
        }

        return new ObservedContainer
        {
            Id = inspection.ID,
            Name = (inspection.Name ?? string.Empty).TrimStart('/'),
            Owner = owner,
            Replica = replica,
            SpecHash = labels.TryGetValue(ZpmLabels.SpecHash, out var specHash) ? specHash : string.Empty,
            State = MapState(state?.Status),
            Health = MapHealth(state?.Health?.Status),
            StartedAt = ParseDockerTime(state?.StartedAt),
            FinishedAt = ParseDockerTime(state?.FinishedAt),
            RestartCount = (int)Math.Min(int.MaxValue, inspection.RestartCount),
            Error = error ?? DescribeFailure(state),
            ExitCode = state?.Status is "exited" or "dead" or "restarting" ? (int)state.ExitCode : null,
            CreatedAt = inspection.Created.Year > 1
                ? new DateTimeOffset(DateTime.SpecifyKind(inspection.Created.ToUniversalTime(), DateTimeKind.Utc))
                : null,
            // A label the operator cannot read leaves the container unprobed: no verdict beats a made-up one.
            Probe = labels.TryGetValue(ZpmLabels.Probe, out var probeLabel) ? OperatorProbe.FromLabel(probeLabel, out _) : null,
            ProbeAddress = Addresses(inspection.NetworkSettings).OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Value).FirstOrDefault(),
        };
    }

    /// <summary>The container's IPv4 (else IPv6) address on each network it has one on.</summary>
    public static IReadOnlyDictionary<string, string> Addresses(NetworkSettings? settings)
    {
        var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (network, endpoint) in settings?.Networks ?? new Dictionary<string, EndpointSettings>())
        {
            var address = !string.IsNullOrEmpty(endpoint?.IPAddress) ? endpoint.IPAddress : endpoint?.GlobalIPv6Address;
            if (!string.IsNullOrEmpty(address))
            {
                addresses[network] = address;
            }
        }

        return addresses;
    }

    public static ResourceKey? OwnerFromLabels(IDictionary<string, string> labels)
    {
        if (labels.TryGetValue(ZpmLabels.Kind, out var kind) && !string.IsNullOrEmpty(kind)
            && labels.TryGetValue(ZpmLabels.Tenant, out var tenant) && !string.IsNullOrEmpty(tenant)
            && labels.TryGetValue(ZpmLabels.Name, out var name) && !string.IsNullOrEmpty(name))
        {
            return new ResourceKey(kind, tenant, name);
        }

        return null;
    }

    public static ContainerState MapState(string? status) => status?.ToLowerInvariant() switch
    {
        "created" => ContainerState.Created,
        "running" => ContainerState.Running,
        "restarting" => ContainerState.Restarting,
        "paused" => ContainerState.Paused,
        "exited" => ContainerState.Exited,
        "removing" => ContainerState.Removing,
        // "dead" and anything unknown: the container cannot run as it is.
        _ => ContainerState.Dead,
    };

    public static ContainerHealth MapHealth(string? status) => status?.ToLowerInvariant() switch
    {
        "starting" => ContainerHealth.Starting,
        "healthy" => ContainerHealth.Healthy,
        "unhealthy" => ContainerHealth.Unhealthy,
        _ => ContainerHealth.None,
    };

    /// <summary>Docker reports "never" as 0001-01-01T00:00:00Z.</summary>
    public static DateTimeOffset? ParseDockerTime(string? text)
    {
        if (string.IsNullOrEmpty(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            || time.Year <= 1)
        {
            return null;
        }

        return time;
    }

    private static string? DescribeFailure(State? state)
    {
        if (state is null)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(state.Error))
        {
            return state.Error;
        }

        if (state.OOMKilled)
        {
            return $"killed for running out of memory (exit code {state.ExitCode})";
        }

        var stopped = state.Status is "exited" or "dead";
        return stopped && state.ExitCode != 0 ? $"exited with code {state.ExitCode}" : null;
    }
}
