namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

/// <summary>How a changed spec rolls out (spec.update).</summary>
public sealed record UpdateStrategy
{
    public UpdateOrder Order { get; init; } = UpdateOrder.StartFirst;
    public int Parallelism { get; init; } = 1;

    /// <summary>Seconds between one batch of replicas and the next.</summary>
    public int DelaySeconds { get; init; }

    /// <summary>How long each new replica is watched after it starts; failing within it counts as a failed rollout.</summary>
    public int MonitorSeconds { get; init; } = 5;

    /// <summary>What a failed rollout leads to.</summary>
    public UpdateFailureAction FailureAction { get; init; } = UpdateFailureAction.Rollback;
}

/// <summary>How a failed rollout goes back to the previous spec (spec.rollback).</summary>
public sealed record RollbackStrategy
{
    public UpdateOrder Order { get; init; } = UpdateOrder.StartFirst;
    public int Parallelism { get; init; } = 1;
    public int DelaySeconds { get; init; }
    public int MonitorSeconds { get; init; } = 5;

    /// <summary>What a failed rollback leads to: Rollback is not allowed here.</summary>
    public UpdateFailureAction FailureAction { get; init; } = UpdateFailureAction.Pause;
}

public enum UpdateOrder { StartFirst, StopFirst }

public enum UpdateFailureAction { Rollback, Pause, Continue }
