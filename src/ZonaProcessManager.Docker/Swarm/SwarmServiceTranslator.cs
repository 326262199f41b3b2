using System.Globalization;
using Docker.DotNet.Models;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using SpecRestartPolicy = ZonaProcessManager.Domain.Model.RestartPolicy;
using SwarmPlacementPreference = Docker.DotNet.Models.PlacementPreference;
using SwarmServiceSpec = Docker.DotNet.Models.ServiceSpec;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// Pure translation of a ServiceSpec into a Swarm service spec (no I/O, unit-tested). Containers get the same zpm.*
/// labels as the service, so a task's container names its owner and the spec it runs.
/// </summary>
public static class SwarmServiceTranslator
{
    /// <summary>Swarm's own default wait before a failed task is replaced.</summary>
    public static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    /// <param name="spec">The spec as the service runs it (networks already the tenant's plus the spec's own).</param>
    /// <param name="ownerLabels">Labels beyond the zpm.* ones (zpm.owner of an integration's child).</param>
    public static SwarmServiceSpec Translate(
        ResourceKey owner, string serviceName, ServiceSpecBody spec, string specHash, int replicas,
        IReadOnlyDictionary<string, string> ownerLabels, SwarmRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(spec.Image))
        {
            throw new ArgumentException($"{owner}: spec.image is empty.", nameof(spec));
        }

        var labels = Labels(owner, specHash, ownerLabels);
        return new SwarmServiceSpec
        {
            Name = serviceName,
            Labels = labels,
            Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = (ulong)Math.Max(0, replicas) } },
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new ContainerSpec
                {
                    // The image as named: no registry answers here, so its digest is never resolved.
                    Image = spec.Image,
                    Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
                    // Args replace the image's CMD and keep its ENTRYPOINT, as spec.command does on a single host.
                    Args = spec.Command.Count > 0 ? spec.Command.ToList() : null!,
                    Env = spec.Env.Select(pair => $"{pair.Key}={pair.Value}").ToList(),
                    Mounts = spec.Volumes.Select(v => ContainerSpecTranslator.TranslateVolume(v, owner.Tenant, ownerLabels)).ToList(),
                    Healthcheck = spec.HealthCheck is null ? null : ContainerSpecTranslator.TranslateHealthCheck(spec.HealthCheck),
                    StopGracePeriod = options.StopGracePeriod,
                },
                RestartPolicy = TranslateRestartPolicy(spec.RestartPolicy),
                Resources = spec.Resources is { } resources
                    ? new ResourceRequirements
                    {
                        Limits = new SwarmLimit
                        {
                            NanoCPUs = resources.Cpus is { } cpus ? (long)Math.Round(cpus * 1_000_000_000d) : null,
                            MemoryBytes = resources.MemoryMb is { } memoryMb ? memoryMb * 1024L * 1024L : null,
                        },
                    }
                    : null,
                Networks = spec.Networks.Select(n => new NetworkAttachmentConfig { Target = n, Aliases = [owner.Name] }).ToList(),
                Placement = TranslatePlacement(spec.Placement),
            },
            UpdateConfig = TranslateUpdate(
                StopFirstOnly(spec, options) ? UpdateOrder.StopFirst : spec.Update.Order,
                spec.Update.Parallelism, spec.Update.DelaySeconds, spec.Update.MonitorSeconds, spec.Update.FailureAction),
            RollbackConfig = TranslateUpdate(
                StopFirstOnly(spec, options) ? UpdateOrder.StopFirst : spec.Rollback.Order,
                spec.Rollback.Parallelism, spec.Rollback.DelaySeconds, spec.Rollback.MonitorSeconds, spec.Rollback.FailureAction),
            EndpointSpec = new EndpointSpec
            {
                Mode = "vip",
                Ports = spec.Ports.Select(p => TranslatePort(p, options.PublishMode)).ToList(),
            },
        };
    }

    /// <summary>
    /// The same spec with another replica count and nothing else touched: a scale leaves the tasks as they are (and a
    /// service Swarm rolled back keeps the spec it rolled back to).
    /// </summary>
    public static SwarmServiceSpec Scaled(SwarmServiceSpec current, int replicas)
    {
        ArgumentNullException.ThrowIfNull(current);
        current.Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = (ulong)Math.Max(0, replicas) } };
        return current;
    }

    /// <summary>
    /// The zpm.* labels always win over the owner's extra ones: the operator finds its services by them. zpm.owner names
    /// the document the service answers to: the IntegrationSpec of an integration's child, else the ServiceSpec itself,
    /// so `docker service ls --filter label=zpm.owner=…` finds any service's document.
    /// </summary>
    public static Dictionary<string, string> Labels(ResourceKey owner, string specHash, IReadOnlyDictionary<string, string> ownerLabels)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var labels = new Dictionary<string, string>(ownerLabels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [ZpmLabels.Managed] = "true",
            [ZpmLabels.Kind] = owner.Kind,
            [ZpmLabels.Tenant] = owner.Tenant,
            [ZpmLabels.Name] = owner.Name,
            [ZpmLabels.SpecHash] = specHash,
        };
        labels.TryAdd(ZpmLabels.Owner, owner.ToString());
        return labels;
    }

    /// <summary>
    /// Always → any, OnFailure → on-failure, Never → none; Swarm's own delay between attempts and no cap on them (a
    /// replica that keeps failing shows as Degraded with its error rather than disappearing).
    /// </summary>
    public static SwarmRestartPolicy TranslateRestartPolicy(SpecRestartPolicy policy) => new()
    {
        Condition = policy switch
        {
            SpecRestartPolicy.Always => "any",
            SpecRestartPolicy.OnFailure => "on-failure",
            SpecRestartPolicy.Never => "none",
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown restart policy"),
        },
        Delay = RestartDelay,
        MaxAttempts = 0,
    };

    /// <summary>
    /// In host mode a fixed host port binds once per node, so a start-first rollout would need a second node per replica:
    /// such a spec rolls stop-first, as on a single host. In host mode Swarm publishes on every address of the node (it has no per-address
    /// publishing), so hostIp does not apply.
    /// </summary>
    public static PortConfig TranslatePort(PortSpec port, SwarmPublishMode mode)
    {
        ArgumentNullException.ThrowIfNull(port);
        return new PortConfig
        {
            Protocol = string.IsNullOrWhiteSpace(port.Protocol) ? "tcp" : port.Protocol.ToLowerInvariant(),
            TargetPort = (uint)port.Container,
            // None: Swarm picks one (from its range in ingress mode, a free one on the node in host mode).
            PublishedPort = port.Host is { } host ? (uint)host : null,
            PublishMode = mode == SwarmPublishMode.Ingress ? "ingress" : "host",
        };
    }

    public static Placement? TranslatePlacement(PlacementSpec? placement) => placement is null
        ? null
        : new Placement
        {
            Constraints = placement.Constraints.ToList(),
            Preferences = placement.Preferences.Select(p => new SwarmPlacementPreference { Spread = new SpreadOver { SpreadDescriptor = p.Spread } }).ToList(),
            MaxReplicas = placement.MaxReplicasPerNode is { } max ? (ulong)max : null,
        };

    public static SwarmUpdateConfig TranslateUpdate(UpdateOrder order, int parallelism, int delaySeconds, int monitorSeconds, UpdateFailureAction failureAction) => new()
    {
        Parallelism = (ulong)Math.Max(1, parallelism),
        Delay = TimeSpan.FromSeconds(Math.Max(0, delaySeconds)),
        Monitor = TimeSpan.FromSeconds(Math.Max(0, monitorSeconds)),
        Order = order == UpdateOrder.StartFirst ? "start-first" : "stop-first",
        FailureAction = failureAction switch
        {
            UpdateFailureAction.Rollback => "rollback",
            UpdateFailureAction.Pause => "pause",
            UpdateFailureAction.Continue => "continue",
            _ => throw new ArgumentOutOfRangeException(nameof(failureAction), failureAction, "unknown failure action"),
        },
        MaxFailureRatio = 0,
    };

    private static bool StopFirstOnly(ServiceSpecBody spec, SwarmRuntimeOptions options) =>
        options.PublishMode == SwarmPublishMode.Host && spec.Ports.Any(p => p.Host is not null);

    /// <summary>The runtime's settings that shape every service, in the stable form the Swarm spec hash covers.</summary>
    public static string RuntimeSettings(SwarmRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.Create(CultureInfo.InvariantCulture,
            $"publish={options.PublishMode};grace={options.StopGracePeriod.TotalSeconds:0.###}");
    }
}
