namespace ZonaProcessManager.Domain.Planning;

/// <summary>Restart a container in place: same container, same spec (exited per restart policy, or unhealthy).</summary>
public sealed record RestartContainer(string ContainerId, string ContainerName, int Replica, string Reason) : ReconcileAction
{
    public override string Describe() => $"restart {ContainerName} ({Reason})";
}
