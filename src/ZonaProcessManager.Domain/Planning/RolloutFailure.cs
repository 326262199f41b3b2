namespace ZonaProcessManager.Domain.Planning;

/// <summary>A rollout failed on this new replica: it failed within its monitor window, or was not ready within its window.</summary>
/// <param name="Replica">The container's name.</param>
/// <param name="Reason">What was wrong, as a sentence's predicate: "is unhealthy (…)", "exited with code 1",
/// "was not ready within 12s".</param>
public sealed record RolloutFailure(string Replica, string Reason)
{
    public override string ToString() => $"new replica {Replica} {Reason}";
}
