using System.Text.RegularExpressions;
using MongoDB.Bson;
using ZonaProcessManager.Domain.Policy;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// The parts of the ServiceSpec `$jsonSchema` that depend on the operator's <see cref="IsolationPolicy"/>: hostPath,
/// volume driverOpts, ports' hostIp and network names. schemas/servicespec.schema.json holds them for the default
/// policy (no host path, 127.0.0.1 only); `zpm install --allow-host-path/--allow-host-ip` installs the allow-list it was
/// given. What needs the document's own tenant (another tenant's zpm-tenant- network) cannot be said in `$jsonSchema`
/// and is left to the operator.
/// </summary>
public static class IsolationSchema
{
    private const string BindOption = @"(?:^|,)\s*[Rr]?[Bb][Ii][Nn][Dd]\s*(?:,|$)";

    /// <summary>A copy of <paramref name="serviceSpecSchema"/> with the policy's rules in place.</summary>
    public static BsonDocument Apply(BsonDocument serviceSpecSchema, IsolationPolicy policy)
    {
        var schema = serviceSpecSchema.DeepClone().AsBsonDocument;
        var spec = schema["properties"]["spec"]["properties"].AsBsonDocument;
        var volume = spec["volumes"]["items"]["properties"].AsBsonDocument;
        volume["hostPath"] = HostPath(policy);

        var driverOpts = volume["driverOpts"].AsBsonDocument;
        driverOpts["anyOf"] = new BsonArray
        {
            new BsonDocument("properties", new BsonDocument
            {
                ["o"] = Not(BindOption),
                ["type"] = Not("^[Nn][Oo][Nn][Ee]$"),
                ["device"] = Not("^/(?:[^/]|$)"),
            }),
            new BsonDocument
            {
                ["required"] = new BsonArray { "device" },
                ["properties"] = new BsonDocument("device", HostPath(policy)),
            },
        };
        driverOpts["description"] = "a bind mount (o: bind/rbind, type: none) or a host device must be under an allowed host path (--allow-host-path)";

        var hostIp = spec["ports"]["items"]["properties"]["hostIp"].AsBsonDocument;
        hostIp["enum"] = new BsonArray(new[] { IsolationPolicy.LoopbackHostIp }.Concat(policy.AllowedHostIps).Distinct(StringComparer.Ordinal));
        hostIp["description"] = "127.0.0.1 or an address --allow-host-ip lists";

        var network = spec["networks"]["items"].AsBsonDocument;
        network["not"] = new BsonDocument("enum", new BsonArray(IsolationPolicy.DockerNetworks));
        network["description"] = "a network name (letters, digits, '_', '.', '-'); not Docker's host, bridge, none or default";
        return schema;
    }

    private static BsonDocument HostPath(IsolationPolicy policy)
    {
        if (policy.AllowedHostPaths.Count == 0)
        {
            return new BsonDocument
            {
                ["not"] = new BsonDocument(),
                ["description"] = "host paths are refused: no --allow-host-path was given to zpm install",
            };
        }

        var allowed = string.Join("|", policy.AllowedHostPaths.Select(SegmentsPattern));
        var protectedOrAncestor = string.Join("|",
            IsolationPolicy.ProtectedPaths.Select(p => $"^{SegmentsPattern(p)}(?:/|$)")
                .Concat(IsolationPolicy.ProtectedPaths.SelectMany(Ancestors).Distinct(StringComparer.Ordinal).Select(a => $"^{SegmentsPattern(a)}/*$")));
        return new BsonDocument
        {
            ["bsonType"] = "string",
            ["minLength"] = 1,
            ["maxLength"] = SpecLimits.MaxPathBytes,
            ["pattern"] = $"^(?:{allowed})(?:/+[^/]+)*/*$",
            ["allOf"] = new BsonArray
            {
                Not(@"(?:^|/)\.\.?(?:/|$)"),
                Not(protectedOrAncestor),
            },
            ["description"] = $"an absolute path without '.' or '..' under {string.Join(", ", policy.AllowedHostPaths)}; never the Docker socket's or data directories",
        };
    }

    private static BsonDocument Not(string pattern) => new("not", new BsonDocument("pattern", pattern));

    /// <summary>"/a/b" → "/+a/+b" ("/" → ""), so repeated slashes match as Docker reads them.</summary>
    private static string SegmentsPattern(string normalizedPath) =>
        string.Concat(normalizedPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => "/+" + Regex.Escape(s)));

    private static IEnumerable<string> Ancestors(string normalizedPath)
    {
        var segments = normalizedPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var count = 0; count < segments.Length; count++)
        {
            yield return "/" + string.Join('/', segments.Take(count));
        }
    }
}
