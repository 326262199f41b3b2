namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

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
    public RollbackStrategy Rollback { get; init; } = new();
    public PlacementSpec? Placement { get; init; }
    public bool Suspended { get; init; }
}

/// <param name="Host">A fixed host port, or null for "auto" (Docker picks one).</param>
public sealed record PortSpec(int Container, int? Host, string Protocol = "tcp", string HostIp = "127.0.0.1");

public enum RestartPolicy { Always, OnFailure, Never }

public sealed record ResourceLimits(double? Cpus, int? MemoryMb);

public enum ServiceCategory { System, Core, Batch, App }
