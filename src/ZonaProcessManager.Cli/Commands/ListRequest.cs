namespace ZonaProcessManager.Cli.Commands;

/// <summary>The output a `get` was asked for (see <see cref="ListOptions"/>).</summary>
public sealed record ListRequest(string Format, bool NoHeaders, bool Watch)
{
    public bool IsTable => Format is "table" or "wide";

    public bool Wide => Format == "wide";

    public bool Headers => !NoHeaders;
}
