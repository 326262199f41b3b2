using System.Text;
using ZonaProcessManager.Domain.Model;
using static ZonaProcessManager.Domain.Validation.SpecLimits;

namespace ZonaProcessManager.Domain.Validation;

/// <summary>
/// Size limits (<see cref="SpecLimits"/>). Messages name sizes and counts, never the value: env values may be secrets,
/// and echoing a megabyte into status is what the limits are there to prevent.
/// </summary>
public static partial class ServiceSpecValidator
{
    /// <summary>UTF-8 size of <paramref name="value"/>; 0 for null.</summary>
    public static int Utf8Bytes(string? value) => value is null ? 0 : Encoding.UTF8.GetByteCount(value);

    /// <summary>A name for a message: at most 64 characters of it.</summary>
    public static string Clip(string? value) => value is null ? "" : value.Length <= 64 ? value : $"{value[..64]}…";

    private static void CheckMetadataSizes(List<SpecProblem> problems, ResourceMetadata metadata)
    {
        CheckEntries(problems, "metadata.labels", metadata.Labels, MaxLabelValueBytes, totalBytes: null);
        CheckEntries(problems, "metadata.annotations", metadata.Annotations, valueBytes: MaxAnnotationsBytes, totalBytes: MaxAnnotationsBytes);
    }

    private static void CheckBodySizes(List<SpecProblem> problems, ServiceSpecBody spec)
    {
        CheckBytes(problems, "spec.image", spec.Image, MaxImageBytes);
        CheckArguments(problems, "spec.command", spec.Command);
        if (spec.HealthCheck?.Exec is { } exec)
        {
            CheckArguments(problems, "spec.healthCheck.exec", exec);
        }

        CheckBytes(problems, "spec.healthCheck.http.path", spec.HealthCheck?.Http?.Path, MaxPathBytes);
        if (spec.Env is { } env)
        {
            CheckCount(problems, "spec.env", env.Count, MaxEnvVariables, "variables");
            var total = 0L;
            foreach (var (name, value) in env.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                var nameBytes = Utf8Bytes(name);
                var entryBytes = nameBytes + 1 + Utf8Bytes(value);
                total += entryBytes + 1;
                if (nameBytes > MaxEnvNameBytes)
                {
                    problems.Add(new SpecProblem($"spec.env['{Clip(name)}']", $"the name is {nameBytes} bytes; at most {MaxEnvNameBytes}"));
                }
                else if (entryBytes > MaxArgumentBytes)
                {
                    problems.Add(new SpecProblem($"spec.env.{name}", $"is {entryBytes} bytes as NAME=value; at most {MaxArgumentBytes} (Linux MAX_ARG_STRLEN)"));
                }
            }

            if (total > MaxEnvBytes)
            {
                problems.Add(new SpecProblem("spec.env", $"is {total} bytes in all; at most {MaxEnvBytes}"));
            }
        }

        CheckCount(problems, "spec.ports", spec.Ports?.Count ?? 0, MaxPorts, "ports");
        CheckCount(problems, "spec.volumes", spec.Volumes?.Count ?? 0, MaxVolumes, "volumes");
        for (var i = 0; i < (spec.Volumes?.Count ?? 0); i++)
        {
            if (spec.Volumes![i] is not { } volume)
            {
                continue;
            }

            var path = $"spec.volumes[{i}]";
            CheckBytes(problems, $"{path}.name", volume.Name, MaxDockerNameBytes);
            CheckBytes(problems, $"{path}.hostPath", volume.HostPath, MaxPathBytes);
            CheckBytes(problems, $"{path}.target", volume.Target, MaxPathBytes);
            CheckBytes(problems, $"{path}.driver", volume.Driver, MaxDockerNameBytes);
            if (volume.DriverOpts is { } options)
            {
                CheckEntries(problems, $"{path}.driverOpts", options, MaxDriverOptBytes, totalBytes: null, maxEntries: MaxDriverOpts);
            }
        }

        CheckCount(problems, "spec.networks", spec.Networks?.Count ?? 0, MaxNetworks, "networks");
        for (var i = 0; i < (spec.Networks?.Count ?? 0); i++)
        {
            CheckBytes(problems, $"spec.networks[{i}]", spec.Networks![i], MaxDockerNameBytes);
        }

        CheckCount(problems, "spec.dependsOn", spec.DependsOn?.Count ?? 0, MaxDependsOn, "entries");
    }

    /// <summary>Checks a list of process arguments against the kernel's limits (count, each, all together).</summary>
    public static void CheckArguments(List<SpecProblem> problems, string path, IReadOnlyList<string>? arguments)
    {
        if (arguments is null)
        {
            return;
        }

        CheckCount(problems, path, arguments.Count, MaxCommandArguments, "arguments");
        var total = 0L;
        for (var i = 0; i < arguments.Count; i++)
        {
            var bytes = Utf8Bytes(arguments[i]);
            total += bytes + 1;
            if (bytes > MaxArgumentBytes)
            {
                problems.Add(new SpecProblem($"{path}[{i}]", $"is {bytes} bytes; at most {MaxArgumentBytes} (Linux MAX_ARG_STRLEN)"));
            }
        }

        if (total > MaxCommandBytes)
        {
            problems.Add(new SpecProblem(path, $"is {total} bytes in all; at most {MaxCommandBytes}"));
        }
    }

    public static void CheckBytes(List<SpecProblem> problems, string path, string? value, int maxBytes)
    {
        var bytes = Utf8Bytes(value);
        if (bytes > maxBytes)
        {
            problems.Add(new SpecProblem(path, $"is {bytes} bytes; at most {maxBytes}"));
        }
    }

    public static void CheckCount(List<SpecProblem> problems, string path, int count, int max, string what)
    {
        if (count > max)
        {
            problems.Add(new SpecProblem(path, $"has {count} {what}; at most {max}"));
        }
    }

    private static void CheckEntries(
        List<SpecProblem> problems, string path, IReadOnlyDictionary<string, string>? entries, int valueBytes, int? totalBytes, int maxEntries = MaxMetadataEntries)
    {
        if (entries is null)
        {
            return;
        }

        CheckCount(problems, path, entries.Count, maxEntries, "entries");
        var total = 0L;
        foreach (var (key, value) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var keyBytes = Utf8Bytes(key);
            var bytes = Utf8Bytes(value);
            total += keyBytes + bytes;
            if (keyBytes > MaxMetadataKeyBytes)
            {
                problems.Add(new SpecProblem($"{path}['{Clip(key)}']", $"the key is {keyBytes} bytes; at most {MaxMetadataKeyBytes}"));
            }
            else if (bytes > valueBytes)
            {
                problems.Add(new SpecProblem($"{path}['{key}']", $"is {bytes} bytes; at most {valueBytes}"));
            }
        }

        if (totalBytes is { } max && total > max)
        {
            problems.Add(new SpecProblem(path, $"is {total} bytes in all; at most {max}"));
        }
    }
}
