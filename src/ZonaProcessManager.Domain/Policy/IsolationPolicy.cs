using System.Net;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Domain.Policy;

/// <summary>
/// What a ServiceSpec may reach outside its own containers: host paths, host IPs and networks. Default-deny: without
/// an allow-list no host path can be mounted and ports publish on 127.0.0.1 only. The operator checks every spec with
/// it before planning, because a document can reach the operator without passing the installed validator (written
/// before the validator, with bypassDocumentValidation, or on a database where `zpm install` never ran).
/// </summary>
/// <remarks>
/// Paths are judged lexically: a path with '.' or '..' segments or not starting with '/' is refused, repeated '/' are
/// collapsed. Symlinks are not resolved (the Docker host's filesystem is not the operator's to read), and Docker follows
/// them when it mounts: an allowed directory must therefore be one where no tenant can create a symlink.
/// </remarks>
public sealed record IsolationPolicy
{
    public const string LoopbackHostIp = "127.0.0.1";
    public const string AllowHostPathOption = "--allow-host-path";
    public const string AllowHostIpOption = "--allow-host-ip";

    /// <summary>
    /// Never mountable, whatever the allow-list says, nor anything under them or any of their ancestors: the Docker
    /// socket's directories (a container holding the socket is root on the host) and Docker's data directory (every
    /// other tenant's container filesystems and volumes).
    /// </summary>
    public static IReadOnlyList<string> ProtectedPaths { get; } = ["/run", "/var/run", "/var/lib/docker", "/var/lib/containerd"];

    public static IsolationPolicy Default { get; } = new();

    /// <summary>Normalised absolute directories under which host paths (bind mounts, bind driver options) are allowed.</summary>
    public IReadOnlyList<string> AllowedHostPaths { get; private init; } = [];

    /// <summary>Host IPs a port may be published on besides 127.0.0.1.</summary>
    public IReadOnlyList<string> AllowedHostIps { get; private init; } = [];

    /// <summary>Builds a policy from operator options; throws <see cref="ArgumentException"/> naming a bad entry.</summary>
    public static IsolationPolicy Create(IEnumerable<string>? allowedHostPaths, IEnumerable<string>? allowedHostIps)
    {
        var paths = new List<string>();
        foreach (var entry in allowedHostPaths ?? [])
        {
            if (Normalize(entry, out var normalized) is { } problem)
            {
                throw new ArgumentException($"{AllowHostPathOption} '{entry}' {problem}", nameof(allowedHostPaths));
            }

            paths.Add(normalized);
        }

        var ips = new List<string>();
        foreach (var entry in allowedHostIps ?? [])
        {
            if (!IPAddress.TryParse(entry, out var ip))
            {
                throw new ArgumentException($"{AllowHostIpOption} '{entry}' is not an IP address", nameof(allowedHostIps));
            }

            ips.Add(ip.ToString());
        }

        return new IsolationPolicy
        {
            AllowedHostPaths = [.. paths.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            AllowedHostIps = [.. ips.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
        };
    }

    /// <summary>Every rule the spec breaks, as `path: message`; empty when it may run.</summary>
    public IReadOnlyList<SpecProblem> Check(ServiceSpec? service)
    {
        var problems = new List<SpecProblem>();
        if (service?.Spec is not { } spec)
        {
            return problems;
        }

        for (var i = 0; i < (spec.Volumes?.Count ?? 0); i++)
        {
            if (spec.Volumes![i] is not { } volume)
            {
                continue;
            }

            var path = $"spec.volumes[{i}]";
            if (!string.IsNullOrEmpty(volume.HostPath) && CheckHostPath(volume.HostPath) is { } hostPathProblem)
            {
                problems.Add(new SpecProblem($"{path}.hostPath", $"'{volume.HostPath}' {hostPathProblem}"));
            }

            if (volume.DriverOpts is { Count: > 0 } options && CheckDriverOptions(options) is { } optionsProblem)
            {
                problems.Add(new SpecProblem($"{path}.driverOpts", optionsProblem));
            }
        }

        for (var i = 0; i < (spec.Ports?.Count ?? 0); i++)
        {
            var hostIp = spec.Ports![i]?.HostIp;
            if (!string.IsNullOrEmpty(hostIp) && !IsAllowedHostIp(hostIp))
            {
                problems.Add(new SpecProblem($"spec.ports[{i}].hostIp",
                    $"'{hostIp}' is not allowed: ports publish on {LoopbackHostIp} unless {AllowHostIpOption} lists the address"));
            }
        }

        var ownNetwork = Tenant.NetworkNameFor(service.Metadata?.Tenant ?? ResourceKey.DefaultTenant);
        for (var i = 0; i < (spec.Networks?.Count ?? 0); i++)
        {
            if (CheckNetwork(spec.Networks![i], ownNetwork) is { } networkProblem)
            {
                problems.Add(new SpecProblem($"spec.networks[{i}]", $"'{spec.Networks[i]}' {networkProblem}"));
            }
        }

        return problems;
    }

    /// <summary>
    /// A service joins its own tenant's network and networks it names itself. Docker's own networks and another
    /// container's namespace would put it on the host or beside any container; a name starting with zpm-tenant- is
    /// reserved for the tenant networks, so only the service's own tenant's one may be named. That a named network is
    /// not another tenant's (two tenants naming "shared") is decided where the network exists, in the Docker adapter.
    /// </summary>
    public static string? CheckNetwork(string? network, string ownTenantNetwork)
    {
        if (network is null)
        {
            return null;
        }

        if (DockerNetworks.Contains(network, StringComparer.OrdinalIgnoreCase) || network.StartsWith("container:", StringComparison.OrdinalIgnoreCase))
        {
            return "is one of Docker's own network modes (host, bridge, none, default, container:…), which services may not join";
        }

        return network.StartsWith(TenantNetworkPrefix, StringComparison.Ordinal) && network != ownTenantNetwork
            ? $"is another tenant's network: a service may join only its own tenant's network ({ownTenantNetwork}) and networks of its own"
            : null;
    }

    public const string TenantNetworkPrefix = "zpm-tenant-";

    public static IReadOnlyList<string> DockerNetworks { get; } = ["host", "bridge", "none", "default"];

    /// <summary>Why <paramref name="hostPath"/> may not be mounted, or null when it may.</summary>
    public string? CheckHostPath(string hostPath)
    {
        if (Normalize(hostPath, out var normalized) is { } problem)
        {
            return problem;
        }

        if (ProtectedPaths.FirstOrDefault(p => IsSameOrUnder(normalized, p) || IsSameOrUnder(p, normalized)) is { } protectedPath)
        {
            return $"is or contains {protectedPath}, which is never mountable (Docker socket or data)";
        }

        return AllowedHostPaths.Any(allowed => IsSameOrUnder(normalized, allowed))
            ? null
            : AllowedHostPaths.Count == 0
                ? $"is not allowed: no host path is ({AllowHostPathOption} is empty)"
                : $"is not under an allowed host path ({AllowHostPathOption}: {string.Join(", ", AllowedHostPaths)})";
    }

    /// <summary>
    /// The local volume driver mounts `device` with mount(2): with `o: bind` (or `type: none`, which is only useful with
    /// bind) that is a bind mount of a host path, and with any other type an absolute `device` is a host block device or
    /// directory. Both are host paths and follow the hostPath rules; network filesystems (`:/export`, `host:/export`,
    /// `//server/share`) are not host paths.
    /// </summary>
    public string? CheckDriverOptions(IReadOnlyDictionary<string, string> options)
    {
        options.TryGetValue("device", out var device);
        options.TryGetValue("type", out var type);
        options.TryGetValue("o", out var mountOptions);
        var bind = IsBindOption(mountOptions) || string.Equals(type, "none", StringComparison.OrdinalIgnoreCase);
        var hostDevice = device is not null && device.StartsWith('/') && !device.StartsWith("//", StringComparison.Ordinal);
        if (!bind && !hostDevice)
        {
            return null;
        }

        if (string.IsNullOrEmpty(device))
        {
            return "a bind mount (o: bind/rbind or type: none) needs a device under an allowed host path";
        }

        return CheckHostPath(device) is { } problem ? $"device '{device}' {problem}" : null;
    }

    public bool IsAllowedHostIp(string hostIp) =>
        IPAddress.TryParse(hostIp, out var ip) && (ip.ToString() == LoopbackHostIp || AllowedHostIps.Contains(ip.ToString()));

    public static bool IsBindOption(string? mountOptions) =>
        mountOptions is not null && mountOptions.Split(',').Any(o => o.Trim() is var option
            && (option.Equals("bind", StringComparison.OrdinalIgnoreCase) || option.Equals("rbind", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Lexical normal form ("/a//b/" → "/a/b"); returns why the path is refused, or null.</summary>
    public static string? Normalize(string? path, out string normalized)
    {
        normalized = "";
        if (string.IsNullOrEmpty(path) || !path.StartsWith('/'))
        {
            return "must be an absolute path";
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "must not contain NUL";
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or ".."))
        {
            return "must not contain '.' or '..' segments";
        }

        normalized = "/" + string.Join('/', segments);
        return null;
    }

    private static bool IsSameOrUnder(string path, string directory) =>
        directory == "/" || path == directory || path.StartsWith(directory + "/", StringComparison.Ordinal);
}
