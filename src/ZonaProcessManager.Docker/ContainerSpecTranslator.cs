using System.Globalization;
using Docker.DotNet.Models;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Probing;
using DockerRestartPolicy = Docker.DotNet.Models.RestartPolicy;
using SpecRestartPolicy = ZonaProcessManager.Domain.Model.RestartPolicy;

namespace ZonaProcessManager.Docker;

/// <summary>The Docker API request for one replica, plus the networks to connect after creation.</summary>
/// <param name="AdditionalNetworks">Docker attaches only one network at create time (API 1.41); the rest are connected before start.</param>
public sealed record ContainerCreatePlan(CreateContainerParameters Parameters, IReadOnlyList<string> AdditionalNetworks);

/// <summary>Pure translation of a <see cref="DesiredContainer"/> into Docker's create request (no I/O, unit-tested).</summary>
public static class ContainerSpecTranslator
{
    public static ContainerCreatePlan Translate(DesiredContainer desired, DockerRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(options);
        var spec = desired.Spec;
        if (string.IsNullOrWhiteSpace(spec.Image))
        {
            throw new ArgumentException($"{desired.Owner}: spec.image is empty.", nameof(desired));
        }

        var (exposedPorts, portBindings) = TranslatePorts(spec.Ports, options.DefaultHostIp);
        var networks = spec.Networks.Where(n => !string.IsNullOrWhiteSpace(n)).Distinct(StringComparer.Ordinal).ToList();
        var operatorProbe = options.OperatorProbes ? OperatorProbe.For(spec.HealthCheck) : null;
        var labels = Labels(desired);
        if (operatorProbe is not null)
        {
            labels[ZpmLabels.Probe] = operatorProbe.ToLabel();
        }

        var parameters = new CreateContainerParameters
        {
            Name = desired.ContainerName,
            Image = spec.Image,
            Labels = labels,
            Env = spec.Env.Select(pair => $"{pair.Key}={pair.Value}").ToList(),
            // Null fields are left out of the request, and an absent Cmd means "the image's CMD".
            Cmd = spec.Command.Count > 0 ? spec.Command.ToList() : null!,
            ExposedPorts = exposedPorts,
            // "NONE" also turns off an image's own HEALTHCHECK: the operator's probe is then the only one.
            Healthcheck = operatorProbe is not null ? new HealthcheckConfig { Test = ["NONE"] }
                : spec.HealthCheck is null ? null : TranslateHealthCheck(spec.HealthCheck),
            HostConfig = new HostConfig
            {
                PortBindings = portBindings!,
                Mounts = spec.Volumes.Select(v => TranslateVolume(v, desired)).ToList(),
                RestartPolicy = TranslateRestartPolicy(spec.RestartPolicy),
                NanoCPUs = spec.Resources?.Cpus is { } cpus ? (long)Math.Round(cpus * 1_000_000_000d) : 0,
                Memory = spec.Resources?.MemoryMb is { } memoryMb ? memoryMb * 1024L * 1024L : 0,
                NetworkMode = networks.Count > 0 ? networks[0] : null!,
            },
            NetworkingConfig = networks.Count > 0
                ? new NetworkingConfig
                {
                    EndpointsConfig = new Dictionary<string, EndpointSettings>
                    {
                        [networks[0]] = Endpoint(desired),
                    },
                }
                : null,
        };
        return new ContainerCreatePlan(parameters, networks.Skip(1).ToList());
    }

    /// <summary>Every replica answers to its service name on each of its networks, so peers need not know replica names.</summary>
    public static EndpointSettings Endpoint(DesiredContainer desired) =>
        new() { Aliases = [desired.Owner.Name] };

    /// <summary>The zpm.* labels always win over ExtraLabels: the operator finds its containers by them.</summary>
    public static Dictionary<string, string> Labels(DesiredContainer desired)
    {
        var labels = new Dictionary<string, string>(desired.ExtraLabels, StringComparer.Ordinal)
        {
            [ZpmLabels.Managed] = "true",
            [ZpmLabels.Kind] = desired.Owner.Kind,
            [ZpmLabels.Tenant] = desired.Owner.Tenant,
            [ZpmLabels.Name] = desired.Owner.Name,
            [ZpmLabels.Replica] = desired.Replica.ToString(CultureInfo.InvariantCulture),
            [ZpmLabels.SpecHash] = desired.SpecHash,
        };
        return labels;
    }

    /// <summary>
    /// Docker runs probes inside the container, so they use tools the image must have: busybox/most images ship
    /// wget and nc. nc gets its stdin from /dev/null so it connects and exits instead of waiting for input.
    /// </summary>
    public static HealthcheckConfig TranslateHealthCheck(HealthCheckSpec check)
    {
        IList<string> test;
        if (check.Http is { } http)
        {
            var path = string.IsNullOrEmpty(http.Path) ? "/" : http.Path.StartsWith('/') ? http.Path : "/" + http.Path;
            test = ["CMD", "wget", "-q", "-O", "/dev/null", $"http://127.0.0.1:{http.Port}{path}"];
        }
        else if (check.Tcp is { } tcp)
        {
            var connectTimeout = Math.Max(1, check.TimeoutSeconds);
            test = ["CMD-SHELL", $"nc -w {connectTimeout} 127.0.0.1 {tcp.Port} </dev/null >/dev/null"];
        }
        else if (check.Exec is { Count: > 0 } exec)
        {
            // Docker's own forms pass through; a bare argv is run without a shell, like Docker's exec form.
            test = exec[0] is "CMD" or "CMD-SHELL" or "NONE" ? exec.ToList() : ["CMD", .. exec];
        }
        else
        {
            throw new ArgumentException("healthCheck needs one of http, tcp or exec.", nameof(check));
        }

        return new HealthcheckConfig
        {
            Test = test,
            // Zero means "Docker's default" in the API; the spec's zero means the same.
            Interval = Seconds(check.IntervalSeconds),
            Timeout = Seconds(check.TimeoutSeconds),
            StartPeriod = Seconds(check.StartPeriodSeconds),
            Retries = check.Retries > 0 ? check.Retries : null,
        };
    }

    /// <summary>
    /// "always" maps to unless-stopped: Docker revives a crashed process at once (also while the operator is down),
    /// yet a container a person stopped on purpose stays stopped until the operator decides. Docker never acts on
    /// "unhealthy"; the operator does.
    /// </summary>
    public static DockerRestartPolicy TranslateRestartPolicy(SpecRestartPolicy policy) => new()
    {
        Name = policy switch
        {
            SpecRestartPolicy.Always => RestartPolicyKind.UnlessStopped,
            SpecRestartPolicy.OnFailure => RestartPolicyKind.OnFailure,
            SpecRestartPolicy.Never => RestartPolicyKind.No,
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown restart policy"),
        },
    };

    public static Mount TranslateVolume(VolumeSpec volume, DesiredContainer desired) =>
        TranslateVolume(volume, desired.Owner.Tenant, desired.ExtraLabels);

    /// <summary>
    /// One volume as a mount of a container or of a Swarm task, whose engine creates a named volume on the fly with
    /// these options where it is missing (e.g. NFS through the local driver's options, so every node mounts one share).
    /// A host path is a path on whichever host the replica runs on: the isolation policy allowed it for all alike.
    /// </summary>
    public static Mount TranslateVolume(VolumeSpec volume, string tenant, IReadOnlyDictionary<string, string> extraLabels)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (!string.IsNullOrWhiteSpace(volume.HostPath))
        {
            return new Mount { Type = "bind", Source = volume.HostPath, Target = volume.Target, ReadOnly = volume.ReadOnly };
        }

        if (string.IsNullOrWhiteSpace(volume.Name))
        {
            // Neither name nor hostPath: an anonymous volume, removed with nothing else referring to it.
            return new Mount { Type = "volume", Target = volume.Target, ReadOnly = volume.ReadOnly };
        }

        return new Mount
        {
            Type = "volume",
            Source = volume.Name,
            Target = volume.Target,
            ReadOnly = volume.ReadOnly,
            VolumeOptions = new VolumeOptions
            {
                Labels = VolumeLabels(tenant, extraLabels),
                DriverConfig = string.IsNullOrWhiteSpace(volume.Driver) && volume.DriverOpts.Count == 0
                    ? null
                    : new Driver
                    {
                        Name = string.IsNullOrWhiteSpace(volume.Driver) ? "local" : volume.Driver,
                        Options = volume.DriverOpts.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
                    },
            },
        };
    }

    /// <summary>Volumes may outlive and be shared by services, so they carry the tenant but no service or replica.</summary>
    public static Dictionary<string, string> VolumeLabels(string tenant, IReadOnlyDictionary<string, string> extra) =>
        new(extra, StringComparer.Ordinal) { [ZpmLabels.Managed] = "true", [ZpmLabels.Tenant] = tenant };

    private static (Dictionary<string, EmptyStruct>? Exposed, Dictionary<string, IList<PortBinding>>? Bindings)
        TranslatePorts(IReadOnlyList<PortSpec> ports, string defaultHostIp)
    {
        if (ports.Count == 0)
        {
            return (null, null);
        }

        var exposed = new Dictionary<string, EmptyStruct>(StringComparer.Ordinal);
        var bindings = new Dictionary<string, IList<PortBinding>>(StringComparer.Ordinal);
        foreach (var port in ports)
        {
            var protocol = string.IsNullOrWhiteSpace(port.Protocol) ? "tcp" : port.Protocol.ToLowerInvariant();
            var key = $"{port.Container.ToString(CultureInfo.InvariantCulture)}/{protocol}";
            exposed[key] = default;
            if (!bindings.TryGetValue(key, out var list))
            {
                list = [];
                bindings[key] = list;
            }

            list.Add(new PortBinding
            {
                HostIP = string.IsNullOrWhiteSpace(port.HostIp) ? defaultHostIp : port.HostIp,
                // An empty host port makes Docker pick a free one ("auto").
                HostPort = port.Host?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            });
        }

        return (exposed, bindings);
    }

    private static TimeSpan? Seconds(int seconds) => seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
}
