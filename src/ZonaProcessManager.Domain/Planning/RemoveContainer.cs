namespace ZonaProcessManager.Domain.Planning;

/// <summary>Stop and remove a container (named volumes are kept).</summary>
public sealed record RemoveContainer(string ContainerId, string ContainerName, int Replica, string Reason) : ReconcileAction
{
    public override string Describe() => $"remove {ContainerName} ({Reason})";
}
