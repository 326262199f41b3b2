using System.Net;
using System.Text.RegularExpressions;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Validation;

/// <summary>One thing wrong with a document: where (a field path such as spec.ports[1].container) and what.</summary>
public sealed record SpecProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// Checks a ServiceSpec beyond what the $jsonSchema validator can express, and again for documents that bypassed it.
/// Returns every problem at once and never throws, whatever the mapper left null.
/// </summary>
public static partial class ServiceSpecValidator
{
    /// <summary>
    /// The most replicas one ServiceSpec (or IntegrationSpec) may ask for. Every replica runs on the one Docker host the
    /// operator drives, and a host runs a few hundred containers at most in practice (Kubernetes' default is 110 pods
    /// per node); a larger number is a typo (1e9 for 1), and planning, creating and listing that many containers would
    /// take the operator and dockerd hours. Mirrored by <c>maximum</c> in the replicas field of the schemas.
    /// </summary>
    public const int MaxReplicas = 1000;

    public static IReadOnlyList<SpecProblem> Validate(ServiceSpec? service)
    {
        var problems = new List<SpecProblem>();
        if (service is null)
        {
            problems.Add(new SpecProblem("$", "document is missing"));
            return problems;
        }

        if (service.Metadata is null)
        {
            problems.Add(new SpecProblem("metadata", "is required"));
        }
        else
        {
            CheckDnsLabel(problems, "metadata.name", service.Metadata.Name);
            CheckDnsLabel(problems, "metadata.tenant", service.Metadata.Tenant);
            CheckMetadataSizes(problems, service.Metadata);
        }

        if (service.Spec is null)
        {
            problems.Add(new SpecProblem("spec", "is required"));
            return problems;
        }

        ValidateBody(problems, service.Spec, service.Metadata?.Name);
        CheckBodySizes(problems, service.Spec);
        return problems;
    }

    private static void ValidateBody(List<SpecProblem> problems, ServiceSpecBody spec, string? ownName)
    {
        if (string.IsNullOrWhiteSpace(spec.Image))
        {
            problems.Add(new SpecProblem("spec.image", "is required"));
        }
        else if (spec.Image.Any(char.IsWhiteSpace))
        {
            problems.Add(new SpecProblem("spec.image", $"must not contain whitespace (got '{spec.Image}')"));
        }

        if (spec.Replicas is < 0 or > MaxReplicas)
        {
            problems.Add(new SpecProblem("spec.replicas", $"must be between 0 and {MaxReplicas} (got {spec.Replicas})"));
        }

        ForEach(problems, "spec.command", spec.Command, (path, arg) =>
        {
            if (arg is null)
            {
                problems.Add(new SpecProblem(path, "must be a string, not null"));
            }
        });

        ValidateEnv(problems, spec.Env);
        ValidatePorts(problems, spec.Ports);
        ValidateVolumes(problems, spec.Volumes);

        ForEach(problems, "spec.networks", spec.Networks, (path, network) =>
        {
            if (string.IsNullOrEmpty(network) || !DockerName().IsMatch(network))
            {
                problems.Add(new SpecProblem(path, $"'{network}' is not a valid network name (letters, digits, '_', '.', '-'; starting with a letter or digit)"));
            }
        });
        Duplicates(problems, "spec.networks", spec.Networks, n => n);

        if (spec.HealthCheck is not null)
        {
            ValidateHealthCheck(problems, spec.HealthCheck);
        }

        if (!Enum.IsDefined(spec.RestartPolicy))
        {
            problems.Add(new SpecProblem("spec.restartPolicy", "must be one of always, on-failure, never"));
        }

        if (!Enum.IsDefined(spec.Category))
        {
            problems.Add(new SpecProblem("spec.category", "must be one of system, core, batch, app"));
        }

        if (spec.Resources is { } resources)
        {
            if (resources.Cpus is { } cpus && (!double.IsFinite(cpus) || cpus <= 0))
            {
                problems.Add(new SpecProblem("spec.resources.cpus", $"must be greater than 0 (got {cpus})"));
            }

            // Docker refuses memory limits below 6 MB.
            if (resources.MemoryMb is { } memory && memory < 6)
            {
                problems.Add(new SpecProblem("spec.resources.memoryMb", $"must be at least 6 (got {memory})"));
            }
        }

        ForEach(problems, "spec.dependsOn", spec.DependsOn, (path, dependency) =>
        {
            if (!DnsLabel.IsValid(dependency))
            {
                problems.Add(new SpecProblem(path, $"'{dependency}' is not a valid service name"));
            }
            else if (dependency == ownName)
            {
                problems.Add(new SpecProblem(path, "a service cannot depend on itself"));
            }
        });
        Duplicates(problems, "spec.dependsOn", spec.DependsOn, d => d);

        ValidateRollout(problems, "spec.update", spec.Update, allowRollback: true);
        ValidateRollout(problems, "spec.rollback", spec.Rollback, allowRollback: false);
        if (spec.Placement is not null)
        {
            ValidatePlacement(problems, spec.Placement);
        }
    }

    private static void ValidateEnv(List<SpecProblem> problems, IReadOnlyDictionary<string, string>? env)
    {
        if (env is null)
        {
            problems.Add(new SpecProblem("spec.env", "must be an object, not null"));
            return;
        }

        foreach (var (name, value) in env.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=') || name.Contains('\0'))
            {
                problems.Add(new SpecProblem($"spec.env['{name}']", "variable names must be non-empty and contain no '='"));
            }

            if (value is null)
            {
                problems.Add(new SpecProblem($"spec.env.{name}", "must be a string, not null"));
            }
        }
    }

    private static void ValidatePorts(List<SpecProblem> problems, IReadOnlyList<PortSpec>? ports)
    {
        ForEach(problems, "spec.ports", ports, (path, port) =>
        {
            if (port is null)
            {
                problems.Add(new SpecProblem(path, "must not be null"));
                return;
            }

            CheckPort(problems, $"{path}.container", port.Container);
            if (port.Host is { } host)
            {
                CheckPort(problems, $"{path}.host", host);
            }

            if (port.Protocol is not ("tcp" or "udp"))
            {
                problems.Add(new SpecProblem($"{path}.protocol", $"must be tcp or udp (got '{port.Protocol}')"));
            }

            if (!IPAddress.TryParse(port.HostIp ?? "", out _))
            {
                problems.Add(new SpecProblem($"{path}.hostIp", $"'{port.HostIp}' is not an IP address"));
            }
        });

        if (ports is null)
        {
            return;
        }

        var valid = ports.Where(p => p is not null).ToList();
        Duplicates(problems, "spec.ports", valid, p => $"container port {p.Container}/{p.Protocol}");
        Duplicates(problems, "spec.ports", valid.Where(p => p.Host is not null).ToList(),
            p => $"host port {p.HostIp}:{p.Host}/{p.Protocol}");
    }

    private static void ValidateVolumes(List<SpecProblem> problems, IReadOnlyList<VolumeSpec>? volumes)
    {
        ForEach(problems, "spec.volumes", volumes, (path, volume) =>
        {
            if (volume is null)
            {
                problems.Add(new SpecProblem(path, "must not be null"));
                return;
            }

            var hasName = !string.IsNullOrEmpty(volume.Name);
            var hasHostPath = !string.IsNullOrEmpty(volume.HostPath);
            if (hasName == hasHostPath)
            {
                problems.Add(new SpecProblem(path, "needs exactly one of name (a named volume) or hostPath (a bind mount)"));
            }

            if (hasName && !DockerName().IsMatch(volume.Name!))
            {
                problems.Add(new SpecProblem($"{path}.name", $"'{volume.Name}' is not a valid volume name (letters, digits, '_', '.', '-'; starting with a letter or digit)"));
            }

            if (hasHostPath && !volume.HostPath!.StartsWith('/'))
            {
                problems.Add(new SpecProblem($"{path}.hostPath", $"must be an absolute path (got '{volume.HostPath}')"));
            }

            if (string.IsNullOrEmpty(volume.Target) || !volume.Target.StartsWith('/'))
            {
                problems.Add(new SpecProblem($"{path}.target", $"must be an absolute path in the container (got '{volume.Target}')"));
            }

            if (hasHostPath && (volume.Driver is not null || volume.DriverOpts is { Count: > 0 }))
            {
                problems.Add(new SpecProblem($"{path}.driver", "driver and driverOpts apply to named volumes only"));
            }
        });

        if (volumes is not null)
        {
            Duplicates(problems, "spec.volumes", volumes.Where(v => v is not null && !string.IsNullOrEmpty(v.Target)).ToList(),
                v => $"target {v.Target}");
        }
    }

    private static void ValidateHealthCheck(List<SpecProblem> problems, HealthCheckSpec check)
    {
        const string path = "spec.healthCheck";
        var kinds = (check.Http is null ? 0 : 1) + (check.Tcp is null ? 0 : 1) + (check.Exec is null ? 0 : 1);
        if (kinds != 1)
        {
            problems.Add(new SpecProblem(path, $"needs exactly one probe of http, tcp or exec (got {kinds})"));
        }

        if (check.Http is { } http)
        {
            CheckPort(problems, $"{path}.http.port", http.Port);
            if (string.IsNullOrEmpty(http.Path) || !http.Path.StartsWith('/'))
            {
                problems.Add(new SpecProblem($"{path}.http.path", $"must start with '/' (got '{http.Path}')"));
            }
        }

        if (check.Tcp is { } tcp)
        {
            CheckPort(problems, $"{path}.tcp.port", tcp.Port);
        }

        if (check.Exec is { } exec && (exec.Count == 0 || exec.Any(string.IsNullOrEmpty)))
        {
            problems.Add(new SpecProblem($"{path}.exec", "must be a non-empty command with no empty arguments"));
        }

        CheckAtLeast(problems, $"{path}.intervalSeconds", check.IntervalSeconds, 1);
        CheckAtLeast(problems, $"{path}.timeoutSeconds", check.TimeoutSeconds, 1);
        CheckAtLeast(problems, $"{path}.retries", check.Retries, 1);
        CheckAtLeast(problems, $"{path}.startPeriodSeconds", check.StartPeriodSeconds, 0);
    }

    private static void CheckDnsLabel(List<SpecProblem> problems, string path, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            problems.Add(new SpecProblem(path, "is required"));
        }
        else if (!DnsLabel.IsValid(value))
        {
            problems.Add(new SpecProblem(path, DnsLabel.NotValid(value)));
        }
    }

    private static void CheckPort(List<SpecProblem> problems, string path, int port)
    {
        if (port is < 1 or > 65535)
        {
            problems.Add(new SpecProblem(path, $"must be between 1 and 65535 (got {port})"));
        }
    }

    private static void CheckAtLeast(List<SpecProblem> problems, string path, int value, int minimum)
    {
        if (value < minimum)
        {
            problems.Add(new SpecProblem(path, $"must be {minimum} or more (got {value})"));
        }
    }

    private static void ForEach<T>(List<SpecProblem> problems, string path, IReadOnlyList<T>? items, Action<string, T> check)
    {
        if (items is null)
        {
            problems.Add(new SpecProblem(path, "must be an array, not null"));
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            check($"{path}[{i}]", items[i]);
        }
    }

    private static void Duplicates<T>(List<SpecProblem> problems, string path, IReadOnlyList<T>? items, Func<T, string?> describe)
    {
        if (items is null)
        {
            return;
        }

        foreach (var group in items.Select(describe).Where(d => d is not null).GroupBy(d => d, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add(new SpecProblem(path, $"{group.Key} is listed {group.Count()} times"));
        }
    }

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9_.-]*\z")]
    private static partial Regex DockerName();
}
