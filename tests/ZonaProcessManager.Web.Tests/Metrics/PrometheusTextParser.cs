using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ZonaProcessManager.Web.Tests.Metrics;

/// <summary>One parsed sample: its name (with _total, _bucket… as exposed), labels and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>One parsed metric family: name (the parser's, without a counter's _total), type and samples.</summary>
internal sealed record PrometheusFamily(string Name, string Type, IReadOnlyList<PrometheusSample> Samples);

/// <summary>
/// Parses Prometheus text exposition with the Prometheus project's own Python client library
/// (<c>prometheus_client.parser.text_string_to_metric_families</c>; `make prometheus-parser` installs it), so a scrape is
/// judged by the parser Prometheus' maintainers keep, not by one written for these tests. Text it cannot parse fails
/// with the parser's message.
/// </summary>
internal static class PrometheusTextParser
{
    private const string Script = """
        import json, math, sys
        from prometheus_client.parser import text_string_to_metric_families
        def text(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity") if math.isinf(value) else repr(float(value))
        families = [
            {"name": f.name, "type": f.type,
             "samples": [{"name": s.name, "labels": s.labels, "value": text(s.value)} for s in f.samples]}
            for f in text_string_to_metric_families(sys.stdin.read())
        ]
        json.dump(families, sys.stdout)
        """;

    private static readonly Lazy<string> Python = new(FindPython);

    public static async Task<IReadOnlyList<PrometheusFamily>> ParseAsync(string exposition)
    {
        var startInfo = new ProcessStartInfo(Python.Value)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(Script);
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {Python.Value}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new FormatException($"prometheus_client could not parse the scrape: {await error}");
        }

        using var json = JsonDocument.Parse(await output);
        return [.. json.RootElement.EnumerateArray().Select(family => new PrometheusFamily(
            family.GetProperty("name").GetString()!,
            family.GetProperty("type").GetString()!,
            [.. family.GetProperty("samples").EnumerateArray().Select(sample => new PrometheusSample(
                sample.GetProperty("name").GetString()!,
                sample.GetProperty("labels").EnumerateObject().ToDictionary(label => label.Name, label => label.Value.GetString()!, StringComparer.Ordinal),
                double.Parse(sample.GetProperty("value").GetString()!, CultureInfo.InvariantCulture)))]))];
    }

    // Debian's python3-prometheus-client goes to the system interpreter, which a python3 earlier on PATH may not be.
    private static string FindPython()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var probe = Process.Start(new ProcessStartInfo(candidate, ["-c", "import prometheus_client.parser"])
                {
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (probe is not null)
                {
                    probe.WaitForExit();
                    if (probe.ExitCode == 0)
                    {
                        return candidate;
                    }
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under this name: try the next.
            }
        }

        throw new InvalidOperationException(
            "No python3 can import prometheus_client (the Prometheus client library's exposition-format parser): run `make prometheus-parser` "
            + "(bash scripts/ensure-prometheus-parser.sh), which installs python3-prometheus-client.");
    }
}
