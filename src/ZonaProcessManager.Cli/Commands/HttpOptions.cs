using System.CommandLine;
using System.Net;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `--http ADDRESS:PORT|off` and `--http-allow-remote` of `zpm run`: where the health probes, metrics and dashboard are
/// served (<see cref="HttpSettings"/>). They have no authentication, so an address other hosts reach must be asked for.
/// </summary>
public sealed class HttpOptions
{
    public const string Off = "off";

    public Option<string> Http { get; } = new("--http")
    {
        Description = "Serve /healthz, /readyz, /metrics and the dashboard on ADDRESS:PORT (port 0 picks a free one), or 'off'",
        DefaultValueFactory = _ => HttpSettings.Format(HttpSettings.DefaultEndpoint),
    };

    public Option<bool> AllowRemote { get; } = new("--http-allow-remote")
    {
        Description = "Allow --http to listen on an address other hosts reach (e.g. 0.0.0.0); the endpoints have no authentication",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Http);
        command.Options.Add(AllowRemote);
    }

    /// <summary>The settings, or a <see cref="CliUsageException"/> saying what is wrong with the flags.</summary>
    public HttpSettings Parse(ParseResult parseResult)
    {
        var text = parseResult.GetValue(Http)!.Trim();
        if (text.Equals(Off, StringComparison.OrdinalIgnoreCase))
        {
            return HttpSettings.Off;
        }

        var settings = new HttpSettings { Endpoint = ParseEndpoint(text), AllowRemote = parseResult.GetValue(AllowRemote) };
        return settings.Problem() is { } problem ? throw new CliUsageException($"--http {text}: {problem}") : settings;
    }

    private static IPEndPoint ParseEndpoint(string text)
    {
        // localhost is the one name taken: any other would need a DNS answer, which could point anywhere.
        var literal = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text["localhost".Length..] : text;
        var colon = literal.LastIndexOf(':');
        if (colon > 0 && literal[(colon + 1)..].All(char.IsAsciiDigit) && IPEndPoint.TryParse(literal, out var endpoint)
            && (literal[..colon].Contains('.', StringComparison.Ordinal) || literal.StartsWith('[')))
        {
            return endpoint;
        }

        throw new CliUsageException($"--http '{text}' is not ADDRESS:PORT (e.g. 127.0.0.1:9400, [::1]:9400, 0.0.0.0:9400) or 'off'");
    }
}
