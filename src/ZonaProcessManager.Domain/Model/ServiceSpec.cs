namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

public sealed record ResourceMetadata
{
    public required string Name { get; init; }
    public string Tenant { get; init; } = ResourceKey.DefaultTenant;
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public bool DeletionRequested { get; init; }
    public IReadOnlyList<OwnerReference> OwnerReferences { get; init; } = [];
}

public sealed record OwnerReference(string Kind, string Name, string Uid);

public sealed record ServiceSpec
{
    public const string KindName = "ServiceSpec";
    public const string ApiVersion = "zpm/v1";

    public required ResourceMetadata Metadata { get; init; }
    public required ServiceSpecBody Spec { get; init; }

    public ResourceKey Key => new(KindName, Metadata.Tenant, Metadata.Name);
}

public sealed record ServiceSpecBody
{
    public required string Image { get; init; }
    public IReadOnlyList<string> Command { get; init; } = [];
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public int Replicas { get; init; } = 1;
    public IReadOnlyList<PortSpec> Ports { get; init; } = [];
    public IReadOnlyList<VolumeSpec> Volumes { get; init; } = [];
    public IReadOnlyList<string> Networks { get; init; } = [];
    public HealthCheckSpec? HealthCheck { get; init; }
    public RestartPolicy RestartPolicy { get; init; } = RestartPolicy.Always;
    public ResourceLimits? Resources { get; init; }
    public IReadOnlyList<string> DependsOn { get; init; } = [];
    public ServiceCategory Category { get; init; } = ServiceCategory.App;
    public UpdateStrategy Update { get; init; } = new();
    public bool Suspended { get; init; }
}

/// <param name="Host">A fixed host port, or null for "auto" (Docker picks one).</param>
public sealed record PortSpec(int Container, int? Host, string Protocol = "tcp", string HostIp = "127.0.0.1");

/// <summary>A named volume (Name) or a bind mount (HostPath); Driver/DriverOpts create e.g. NFS volumes.</summary>
public sealed record VolumeSpec
{
    public string? Name { get; init; }
    public string? HostPath { get; init; }
    public required string Target { get; init; }
    public bool ReadOnly { get; init; }
    public string? Driver { get; init; }
    public IReadOnlyDictionary<string, string> DriverOpts { get; init; } = new Dictionary<string, string>();
}

public sealed record HttpProbe(int Port, string Path = "/");

public sealed record TcpProbe(int Port);

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

public enum RestartPolicy { Always, OnFailure, Never }

public sealed record ResourceLimits(double? Cpus, int? MemoryMb);

public enum ServiceCategory { System, Core, Batch, App }

public enum UpdateOrder { StartFirst, StopFirst }

public sealed record UpdateStrategy
{
    public UpdateOrder Order { get; init; } = UpdateOrder.StartFirst;
    public int Parallelism { get; init; } = 1;
}
