using System.Text;
using System.Text.RegularExpressions;

namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>
/// Reads the HTTP request lines of one Docker API connection and reports those that change the engine (POST, PUT,
/// DELETE, except the read-only POSTs a client makes to wait on or attach to a container). Request bodies are compact
/// JSON without line breaks, so a line that looks like a request line is one.
/// </summary>
public sealed partial class DockerRequestSniffer(string instance, Action<DockerAction> record) : ITrafficObserver
{
    private static readonly string[] ReadOnlyPostSuffixes = ["/wait", "/attach", "/resize"];
    private readonly StringBuilder _line = new();

    public void FromClient(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b == (byte)'\n')
            {
                Inspect(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else if (_line.Length < 4096)
            {
                _line.Append((char)b);
            }
        }
    }

    public void FromServer(ReadOnlySpan<byte> bytes)
    {
    }

    private void Inspect(string line)
    {
        var match = RequestLine().Match(line);
        if (!match.Success)
        {
            return;
        }

        var method = match.Groups["method"].Value;
        var path = match.Groups["path"].Value;
        var withoutQuery = path.Split('?')[0];
        if (method == "POST" && ReadOnlyPostSuffixes.Any(suffix => withoutQuery.EndsWith(suffix, StringComparison.Ordinal)))
        {
            return;
        }

        record(new DockerAction(instance, DateTimeOffset.UtcNow, method, path));
    }

    [GeneratedRegex(@"^(?<method>POST|PUT|DELETE) (/v[0-9.]+)?(?<path>/\S*) HTTP/1\.[01]$")]
    private static partial Regex RequestLine();
}
