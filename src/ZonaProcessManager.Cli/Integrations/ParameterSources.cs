namespace ZonaProcessManager.Cli.Integrations;

/// <summary>One parameter as given: Key is name or &lt;integration&gt;.name, Source says where it came from (never the value).</summary>
public sealed record GivenParameter(string Key, string Value, string Source);

/// <summary>
/// Where `zpm tenant onboard` takes parameter values from, so a secret never has to be on the command line (where any
/// local user reads it in /proc/PID/cmdline and shells keep it in their history):
/// <list type="bullet">
/// <item>`--param-file FILE`: one `name=value` (or `integration.name=value`) per line, as docker's --env-file; blank
/// lines and lines starting with '#' are skipped; the value is the rest of the line, taken literally.</item>
/// <item>`-p name=@FILE`: the value is FILE's content; `-p name=-`: the value is standard input's (once). One trailing
/// newline is dropped.</item>
/// <item>`-p name=value`: the value itself — fine for non-secrets.</item>
/// </list>
/// Files are read first and `-p` overrides them. No problem message ever contains a value.
/// </summary>
public static class ParameterSources
{
    public static List<GivenParameter> Read(IReadOnlyList<string> files, IReadOnlyList<string> arguments, Func<TextReader> standardInput, List<string> problems)
    {
        var given = new List<GivenParameter>();
        foreach (var file in files)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                problems.Add($"--param-file {file}: cannot read it ({exception.GetType().Name})");
                continue;
            }

            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
                {
                    continue;
                }

                var equals = line.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    problems.Add($"--param-file {file} line {i + 1}: must look like name=value or <integration>.name=value");
                    continue;
                }

                given.Add(new GivenParameter(line[..equals].Trim(), line[(equals + 1)..], $"--param-file {file} line {i + 1}"));
            }
        }

        var stdinUsed = false;
        foreach (var argument in arguments)
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.Add("--param must look like name=value, name=@FILE or name=- (or <integration>.name=…)");
                continue;
            }

            var key = argument[..equals];
            var value = argument[(equals + 1)..];
            if (value == "-")
            {
                if (stdinUsed)
                {
                    problems.Add($"--param {key}=-: standard input can give only one parameter; use @FILE or --param-file for the others");
                    continue;
                }

                stdinUsed = true;
                given.Add(new GivenParameter(key, DropFinalNewline(standardInput().ReadToEnd()), $"--param {key}=-"));
            }
            else if (value.StartsWith('@'))
            {
                var path = value[1..];
                try
                {
                    given.Add(new GivenParameter(key, DropFinalNewline(File.ReadAllText(path)), $"--param {key}=@{path}"));
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    problems.Add($"--param {key}=@{path}: cannot read the file ({exception.GetType().Name})");
                }
            }
            else
            {
                given.Add(new GivenParameter(key, value, $"--param {key}=…"));
            }
        }

        return given;
    }

    private static string DropFinalNewline(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
}
