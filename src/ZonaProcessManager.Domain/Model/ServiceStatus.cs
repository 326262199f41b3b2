namespace ZonaProcessManager.Domain.Model;

/// <summary>The lifecycle phase shown in status.phase (part of the ServiceSpec contract).</summary>
public enum ResourcePhase { Pending, Creating, Running, Degraded, Removed }

/// <summary>A Kubernetes-style condition: an observation, not a state machine. Types used: Ready, Progressing.</summary>
public sealed record Condition(string Type, bool Status, string Reason, string Message, DateTimeOffset LastTransitionTime);

public sealed record ReplicaCounts(int Desired, int Ready);

/// <summary>One replica in status.containers: a container, or a Swarm task with the node it runs on and its slot.</summary>
public sealed record ContainerStatus(string Id, string Name, string State, string Health, string? Node = null, int? Slot = null, string? Error = null);

/// <summary>What the operator writes into a resource's status; nothing else writes there.</summary>
public sealed record ServiceStatus
{
    public ResourcePhase Phase { get; init; } = ResourcePhase.Pending;
    public string? ObservedSpecHash { get; init; }
    public ReplicaCounts Replicas { get; init; } = new(0, 0);
    public IReadOnlyList<ContainerStatus> Containers { get; init; } = [];
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
    public string? Message { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Set while the operator runs the previous revision because the document's spec failed to roll out.</summary>
    public ServiceRollout? Rollout { get; init; }
}

/// <summary>Whether an event reports something going as intended or something a person may have to look at.</summary>
public enum EventType { Normal, Warning }

/// <summary>An entry of the events collection: one per state transition or notable action (expires after 7 days).</summary>
public sealed record ResourceEvent(ResourceKey Resource, string Reason, string Message, EventType Type, DateTimeOffset Time);
