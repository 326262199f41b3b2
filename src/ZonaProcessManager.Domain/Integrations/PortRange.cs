namespace ZonaProcessManager.Domain.Integrations;

/// <summary>The host ports integrations may use; the default is 20000-29999.</summary>
public sealed record PortRange
{
    public PortRange(int first = 20000, int last = 29999)
    {
        if (first is < 1 or > 65535 || last is < 1 or > 65535 || last < first)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"{first}-{last} is not a port range within 1-65535.");
        }

        First = first;
        Last = last;
    }

    public static PortRange Default { get; } = new();

    public int First { get; }

    public int Last { get; }

    public int Count => Last - First + 1;

    public bool Contains(int port) => port >= First && port <= Last;

    public override string ToString() => $"{First}-{Last}";
}
