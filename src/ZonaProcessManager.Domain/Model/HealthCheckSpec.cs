namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

/// <summary>Exactly one of Http, Tcp or Exec is set. Defaults follow Docker's HEALTHCHECK except a shorter interval.</summary>
public sealed record HealthCheckSpec
{
    public HttpProbe? Http { get; init; }
    public TcpProbe? Tcp { get; init; }
    public IReadOnlyList<string>? Exec { get; init; }
    public int IntervalSeconds { get; init; } = 10;
    public int TimeoutSeconds { get; init; } = 5;
    public int Retries { get; init; } = 3;
    public int StartPeriodSeconds { get; init; }
}

public sealed record HttpProbe(int Port, string Path = "/");

public sealed record TcpProbe(int Port);
